import { ResourceUsageHistory } from '@warden/store'
import { describe, expect, it } from 'vitest'
import { EXPECTED_60S, EXPECTED_120S, point, TABLE_POINTS } from '../helpers/points.js'

function filled(opts: ConstructorParameters<typeof ResourceUsageHistory>[0]): ResourceUsageHistory {
  const h = new ResourceUsageHistory(opts)
  for (const p of TABLE_POINTS) h.add(p)
  return h
}

describe('rollup tiers', () => {
  it('hold count/sum/min/max and counter increases with exact numbers after raw points are gone', () => {
    // Raw keeps 3 points (t=80,100,130); the 60 s tier keeps all three buckets.
    const h = filled({ maxSize: 3, tiers: [{ intervalMs: 60_000, size: 3 }] })
    expect(h.range().map((p) => p.timestamp)).toEqual([80_000, 100_000, 130_000])
    expect(h.tierInfo()).toEqual([{ intervalMs: 60_000, size: 3, length: 3, oldestStart: 0, evicted: false }])
    const r = h.aggregate({ intervalMs: 60_000 })
    expect(r.tier).toBe(60_000)
    expect(r.coveredSince).toBeNull()
    expect(r.buckets).toEqual(EXPECTED_60S)
    // Coarser query buckets merge whole tier buckets.
    expect(h.aggregate({ intervalMs: 120_000 }).buckets).toEqual(EXPECTED_120S)
  })

  it('drop their oldest buckets beyond size (the open bucket counts)', () => {
    const h = filled({ maxSize: 2, tiers: [{ intervalMs: 60_000, size: 2 }] })
    expect(h.tierInfo()[0]).toEqual({
      intervalMs: 60_000,
      size: 2,
      length: 2,
      oldestStart: 60_000,
      evicted: true,
    })
    const r = h.aggregate({ intervalMs: 60_000, since: 60_000 })
    expect(r).toMatchObject({ tier: 60_000, coveredSince: 60_000 })
    expect(r.buckets).toEqual(EXPECTED_60S.slice(1))
  })

  describe('answer from the finest level that covers the window', () => {
    // raw: t=80,100,130 (covers ≥ 80 s); 60 s tier: buckets 60, 120 (covers ≥ 60 s); 120 s tier: all.
    const h = filled({
      maxSize: 3,
      tiers: [
        { intervalMs: 60_000, size: 2 },
        { intervalMs: 120_000, size: 5 },
      ],
    })

    it.each([
      // [intervalMs, since, tier, coveredSince]
      [60_000, 90_000, 'raw', 80_000],
      [60_000, 80_000, 'raw', 80_000],
      [60_000, 60_000, 60_000, 60_000],
      [120_000, 60_000, 60_000, 60_000],
      [120_000, 0, 120_000, null],
      [120_000, undefined, 120_000, null],
      // No level divisible into 60 s covers t=0: the one reaching furthest back answers (partially).
      [60_000, 0, 60_000, 60_000],
      // 50 s is no multiple of any tier: raw answers even though it starts at 80 s.
      [50_000, 0, 'raw', 80_000],
    ])('intervalMs %i since %s → tier %s', (intervalMs, since, tier, coveredSince) => {
      const r = h.aggregate({ intervalMs, since })
      expect(r.tier).toBe(tier)
      expect(r.coveredSince).toBe(coveredSince)
    })

    it('the 120 s tier gives the hand-computed 120 s table', () => {
      expect(h.aggregate({ intervalMs: 120_000, since: 0 }).buckets).toEqual(EXPECTED_120S)
    })

    it('query() returns raw points or tier buckets as points and says which', () => {
      expect(h.query({ since: 100_000 })).toEqual({
        tier: 'raw',
        coveredSince: 80_000,
        points: TABLE_POINTS.slice(5),
      })
      const q = h.query({ since: 0 })
      expect(q.tier).toBe(120_000)
      expect(q.points).toEqual([
        {
          timestamp: 0,
          cpuPercent: 25,
          memoryRss: 1400 / 6,
          memoryVms: 1000,
          openFiles: 13,
          threads: 20 / 6,
          diskReadBytes: 4500,
          diskWriteBytes: 1700,
        },
        {
          timestamp: 120_000,
          cpuPercent: 0,
          memoryRss: 200,
          memoryVms: 1000,
          openFiles: 10,
          threads: 1,
          diskReadBytes: null,
          diskWriteBytes: 1900,
        },
      ])
    })
  })

  it('keep closed buckets at float32 precision (the open bucket is exact)', () => {
    const h = new ResourceUsageHistory({ tiers: [{ intervalMs: 1000, size: 10 }], maxSize: 1 })
    h.add(point({ timestamp: 0, cpuPercent: 0.1 }))
    h.add(point({ timestamp: 1000, cpuPercent: 0.1 }))
    const [closed, open] = h.aggregate({ intervalMs: 1000 }).buckets
    expect(closed!.cpuPercent.min).toBe(Math.fround(0.1))
    expect(open!.cpuPercent.min).toBe(0.1)
  })

  it('roll a day of 60 s samples into 96 quarter-hours and 24 hours with exact sums', () => {
    const h = new ResourceUsageHistory()
    const day = 86_400_000
    for (let t = 0; t < day; t += 60_000) {
      const minute = t / 60_000
      h.add(
        point({
          timestamp: t,
          cpuPercent: minute % 15,
          memoryRss: 1000 + minute,
          diskReadBytes: minute * 600,
        }),
      )
    }
    expect(h.tierInfo().map((t) => t.length)).toEqual([96, 24])
    const q = h.aggregate({ intervalMs: 900_000, since: 0 })
    expect(q.tier).toBe('raw')
    const fromTier = new ResourceUsageHistory({ maxSize: 1 })
    for (let t = 0; t < day; t += 60_000) {
      const minute = t / 60_000
      fromTier.add(
        point({
          timestamp: t,
          cpuPercent: minute % 15,
          memoryRss: 1000 + minute,
          diskReadBytes: minute * 600,
        }),
      )
    }
    const tq = fromTier.aggregate({ intervalMs: 3_600_000, since: 0 })
    expect(tq.tier).toBe(900_000)
    expect(tq.buckets).toHaveLength(24)
    // Hour 5: minutes 300..359; cpu cycles 0..14 four times; rss 1300..1359; 600 B per 60 s = 10 B/s.
    expect(tq.buckets[5]).toEqual({
      start: 5 * 3_600_000,
      end: 6 * 3_600_000,
      count: 60,
      cpuPercent: { avg: 7, min: 0, max: 14, count: 60 },
      memoryRss: { avg: 1329.5, min: 1300, max: 1359, count: 60 },
      memoryVms: { avg: 0, min: 0, max: 0, count: 60 },
      openFiles: { avg: 0, min: 0, max: 0, count: 60 },
      threads: { avg: 1, min: 1, max: 1, count: 60 },
      diskReadRate: 10,
      diskWriteRate: 0,
    })
    // The raw answer for the same hour agrees.
    expect(h.aggregate({ intervalMs: 3_600_000 }).buckets[5]).toEqual(tq.buckets[5])
  })
})
