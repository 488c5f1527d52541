import { ResourceUsageHistory } from '@warden/store'
import { describe, expect, it } from 'vitest'
import { EXPECTED_60S, EXPECTED_120S, point, TABLE_POINTS } from '../helpers/points.js'

const noTiers = () => new ResourceUsageHistory({ tiers: [] })

function filled(): ResourceUsageHistory {
  const h = noTiers()
  for (const p of TABLE_POINTS) h.add(p)
  return h
}

describe('aggregate (raw)', () => {
  it('matches the hand-computed table: nulls left out of averages, a counter reset is no rate', () => {
    const r = filled().aggregate({ intervalMs: 60_000 })
    expect(r.tier).toBe('raw')
    expect(r.coveredSince).toBeNull()
    expect(r.intervalMs).toBe(60_000)
    expect(r.buckets).toEqual(EXPECTED_60S)
  })

  it('matches the 120 s table', () => {
    expect(filled().aggregate({ intervalMs: 120_000 }).buckets).toEqual(EXPECTED_120S)
  })

  it('aligns buckets to multiples of intervalMs, not to the first point', () => {
    const h = noTiers()
    h.add(point({ timestamp: 1_000_123, cpuPercent: 1 }))
    h.add(point({ timestamp: 1_000_999, cpuPercent: 3 }))
    h.add(point({ timestamp: 1_001_000, cpuPercent: 5 }))
    const b = h.aggregate({ intervalMs: 1000 }).buckets
    expect(b.map((x) => [x.start, x.end, x.count, x.cpuPercent.avg])).toEqual([
      [1_000_000, 1_001_000, 2, 2],
      [1_001_000, 1_002_000, 1, 5],
    ])
  })

  it('pairs a counter with the last readable value before `since`', () => {
    const r = filled().aggregate({ intervalMs: 60_000, since: 60_000 })
    expect(r.buckets).toEqual(EXPECTED_60S.slice(1))
    // Mid-bucket since: only t=80 and t=100 count, but t=80 still pairs with t=60 (before the window).
    const mid = filled().aggregate({ intervalMs: 60_000, since: 70_000, until: 100_000 })
    expect(mid.buckets).toHaveLength(1)
    expect(mid.buckets[0]).toMatchObject({
      start: 60_000,
      count: 2,
      diskReadRate: 100,
      diskWriteRate: 1000 / 40,
    })
    expect(mid.buckets[0]!.memoryRss).toEqual({ avg: 200, min: 100, max: 300, count: 2 })
  })

  it('bounds are inclusive and an empty or inverted window gives no buckets', () => {
    const h = filled()
    expect(
      h.aggregate({ intervalMs: 60_000, since: 40_000, until: 40_000 }).buckets.map((b) => b.count),
    ).toEqual([1])
    expect(h.aggregate({ intervalMs: 60_000, since: 41_000, until: 59_000 }).buckets).toEqual([])
    expect(h.aggregate({ intervalMs: 60_000, since: 100_000, until: 0 }).buckets).toEqual([])
    expect(noTiers().aggregate({ intervalMs: 1000 }).buckets).toEqual([])
  })

  it('gives null stats when a gauge is null for the whole bucket and null rate without a pair', () => {
    const h = noTiers()
    h.add(point({ timestamp: 0, cpuPercent: null, openFiles: null, diskReadBytes: 5, diskWriteBytes: null }))
    const [b] = h.aggregate({ intervalMs: 1000 }).buckets
    expect(b!.cpuPercent).toEqual({ avg: null, min: null, max: null, count: 0 })
    expect(b!.openFiles.count).toBe(0)
    expect(b!.diskReadRate).toBeNull()
    expect(b!.diskWriteRate).toBeNull()
  })

  it.each([
    [{ intervalMs: 0 }, 'intervalMs'],
    [{ intervalMs: -5 }, 'intervalMs'],
    [{ intervalMs: 1.5 }, 'intervalMs'],
    [{ intervalMs: 1000, since: Number.NaN }, 'since'],
    [{ intervalMs: 1000, until: '5' }, 'until'],
  ])('rejects %o naming the option', (opts, option) => {
    expect(() => filled().aggregate(opts as never)).toThrow(
      expect.objectContaining({ code: 'ERR_WARDEN_INVALID_OPTION', option }),
    )
  })

  it('names the bad value in the message', () => {
    expect(() => filled().aggregate({ intervalMs: -5 })).toThrow(
      'Expected `intervalMs` to be a positive integer, got -5 (number)',
    )
  })
})
