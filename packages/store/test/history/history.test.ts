import { DEFAULT_TIERS, ResourceUsageHistory } from '@warden/store'
import { describe, expect, it } from 'vitest'
import { point, TABLE_POINTS } from '../helpers/points.js'

describe('ResourceUsageHistory', () => {
  it('defaults to 1440 raw points, 15 min × 672 and 1 h × 720 tiers', () => {
    const h = new ResourceUsageHistory()
    expect(h.maxSize).toBe(1440)
    expect(h.tiers).toEqual([
      { intervalMs: 900_000, size: 672 },
      { intervalMs: 3_600_000, size: 720 },
    ])
    expect(DEFAULT_TIERS).toEqual(h.tiers)
  })

  it('caps at maxSize, dropping the oldest, and keeps the newest in order', () => {
    const h = new ResourceUsageHistory({ maxSize: 3, tiers: [] })
    for (let t = 1; t <= 10; t++) h.add(point({ timestamp: t * 1000, memoryRss: t }))
    expect(h.length).toBe(3)
    expect(h.range().map((p) => p.timestamp)).toEqual([8000, 9000, 10_000])
    expect(h.latest()?.memoryRss).toBe(10)
  })

  it('grows its storage past the initial capacity without losing points', () => {
    const h = new ResourceUsageHistory({ maxSize: 1440, tiers: [] })
    for (let t = 0; t < 2000; t++) h.add(point({ timestamp: t, threads: t }))
    const all = h.range()
    expect(all).toHaveLength(1440)
    expect(all[0]!.timestamp).toBe(560)
    expect(all.every((p, i) => p.timestamp === 560 + i && p.threads === 560 + i)).toBe(true)
  })

  it('round-trips every field of a point, null included', () => {
    const h = new ResourceUsageHistory()
    for (const p of TABLE_POINTS) h.add(p)
    h.add({ ...TABLE_POINTS[6]!, timestamp: 200_000, processes: 3 })
    expect(h.range()).toEqual([...TABLE_POINTS, { ...TABLE_POINTS[6]!, timestamp: 200_000, processes: 3 }])
  })

  it('range uses inclusive bounds; recent counts back from now', () => {
    const h = new ResourceUsageHistory({ tiers: [] })
    for (let t = 0; t <= 100; t += 10) h.add(point({ timestamp: t }))
    const ts = (ps: { timestamp: number }[]) => ps.map((p) => p.timestamp)
    expect(ts(h.range({ since: 20, until: 40 }))).toEqual([20, 30, 40])
    expect(ts(h.range({ since: 21, until: 39 }))).toEqual([30])
    expect(ts(h.range({ since: 95 }))).toEqual([100])
    expect(ts(h.range({ until: 5 }))).toEqual([0])
    expect(h.range({ since: 50, until: 40 })).toEqual([])
    expect(ts(h.recent(25, 100))).toEqual([80, 90, 100])
    expect(ts(h.recent(10, 50))).toEqual([40, 50])
    expect(new ResourceUsageHistory().latest()).toBeUndefined()
  })

  it('keeps equal timestamps in arrival order and rejects an older one, changing nothing', () => {
    const h = new ResourceUsageHistory()
    h.add(point({ timestamp: 100, threads: 1 }))
    h.add(point({ timestamp: 100, threads: 2 }))
    expect(() => h.add(point({ timestamp: 99 }))).toThrow(
      expect.objectContaining({ code: 'ERR_STORE_OUT_OF_ORDER', timestamp: 99, latestTimestamp: 100 }),
    )
    expect(h.range().map((p) => p.threads)).toEqual([1, 2])
    expect(h.tierInfo().map((t) => t.length)).toEqual([1, 1])
  })

  it.each([
    ['timestamp', Number.NaN],
    ['timestamp', undefined],
    ['timestamp', '5'],
    ['cpuPercent', -1],
    ['memoryRss', Number.POSITIVE_INFINITY],
    ['openFiles', '3'],
    ['diskReadBytes', -10],
    ['processes', Number.NaN],
    ['threads', 1.5],
    ['openFiles', 2 ** 31],
  ])('rejects a point whose %s is %o', (field, value) => {
    const h = new ResourceUsageHistory()
    expect(() => h.add({ ...point({ timestamp: 1 }), [field]: value })).toThrow(
      expect.objectContaining({ code: 'ERR_STORE_INVALID_DATA_POINT', field }),
    )
    expect(h.length).toBe(0)
  })

  it.each([
    [{ maxSize: 0 }, 'maxSize'],
    [{ maxSize: 2.5 }, 'maxSize'],
    [{ tiers: 'x' }, 'tiers'],
    [{ tiers: [{ intervalMs: 0, size: 5 }] }, 'tiers[0].intervalMs'],
    [{ tiers: [{ intervalMs: 1000, size: 0 }] }, 'tiers[0].size'],
    [
      {
        tiers: [
          { intervalMs: 2000, size: 5 },
          { intervalMs: 1000, size: 5 },
        ],
      },
      'tiers[1].intervalMs',
    ],
  ])('rejects options %o naming %s', (opts, option) => {
    expect(() => new ResourceUsageHistory(opts as never)).toThrow(
      expect.objectContaining({ code: 'ERR_WARDEN_INVALID_OPTION', option }),
    )
  })

  it('clone is independent', () => {
    const h = new ResourceUsageHistory({ maxSize: 4 })
    for (const p of TABLE_POINTS.slice(0, 3)) h.add(p)
    const c = h.clone()
    for (const p of TABLE_POINTS.slice(3)) h.add(p)
    expect(c.range()).toEqual(TABLE_POINTS.slice(0, 3))
    expect(c.aggregate({ intervalMs: 60_000 }).buckets).toHaveLength(1)
    expect(h.range()).toEqual(TABLE_POINTS.slice(3))
  })
})

/** `points` of a history holding `n` default points. */
function pointsOf(n: number) {
  const h = new ResourceUsageHistory({ tiers: [] })
  for (let t = 0; t < n; t++) h.add(point({ timestamp: t }))
  return h.toJSON().points
}

describe('toJSON / fromJSON', () => {
  const full = () => {
    const h = new ResourceUsageHistory({
      maxSize: 4,
      tiers: [
        { intervalMs: 60_000, size: 2 },
        { intervalMs: 120_000, size: 5 },
      ],
    })
    for (const p of TABLE_POINTS) h.add(p)
    return h
  }

  it('round-trips points, tiers and counter state exactly', () => {
    const h = full()
    const back = ResourceUsageHistory.fromJSON(JSON.parse(JSON.stringify(h)))
    expect(back.range()).toEqual(h.range())
    expect(back.tierInfo()).toEqual(h.tierInfo())
    expect(back.aggregate({ intervalMs: 120_000, since: 0 })).toEqual(
      h.aggregate({ intervalMs: 120_000, since: 0 }),
    )
    expect(JSON.stringify(back)).toBe(JSON.stringify(h))
    // Counter state survives: the next point pairs with the last value before the reload.
    const next = { ...TABLE_POINTS[6]!, timestamp: 160_000, diskWriteBytes: 2200, diskReadBytes: null }
    h.add(next)
    back.add(next)
    expect(back.aggregate({ intervalMs: 60_000, since: 120_000 })).toEqual(
      h.aggregate({ intervalMs: 60_000, since: 120_000 }),
    )
  })

  it('stores raw points column by column, integer columns as differences to the previous readable value', () => {
    const json = full().toJSON()
    expect(json.points.timestamp).toEqual([60_000, 20_000, 20_000, 30_000])
    // 400, 100, 300, 200
    expect(json.points.memoryRss).toEqual([400, -300, 200, -100])
    // 500, 2500, 4500, null: nulls stay null
    expect(json.points.diskReadBytes).toEqual([500, 2000, 2000, null])
    // 700, null, 1700, 1900: the difference skips the null
    expect(json.points.diskWriteBytes).toEqual([700, null, 1000, 200])
    // Int32 count columns are stored as they are.
    expect(json.points.openFiles).toEqual([14, null, 16, 10])
    expect(json.points.processes).toBeUndefined()
    expect(json.deltaEncoded).toEqual([
      'timestamp',
      'cpuPercent',
      'memoryRss',
      'memoryVms',
      'diskReadBytes',
      'diskWriteBytes',
    ])
    expect(ResourceUsageHistory.fromJSON(json).range()).toEqual(TABLE_POINTS.slice(3))
  })

  it('keeps a column with fractions as it is', () => {
    const h = new ResourceUsageHistory()
    h.add(point({ timestamp: 10, cpuPercent: 12.5 }))
    h.add(point({ timestamp: 20, cpuPercent: 1 / 3 }))
    const json = h.toJSON()
    expect(json.deltaEncoded).not.toContain('cpuPercent')
    expect(json.points.cpuPercent).toEqual([12.5, 1 / 3])
  })

  it('keeps non-integer timestamps exact with absolute encoding', () => {
    const h = new ResourceUsageHistory()
    h.add(point({ timestamp: 0.1 }))
    h.add(point({ timestamp: 0.3 }))
    const json = JSON.parse(JSON.stringify(h))
    expect(json.deltaEncoded).not.toContain('timestamp')
    expect(
      ResourceUsageHistory.fromJSON(json)
        .range()
        .map((p) => p.timestamp),
    ).toEqual([0.1, 0.3])
  })

  it('adapts to new options: fewer raw points, a resized tier, a new tier rebuilt from raw points', () => {
    const h = new ResourceUsageHistory({ maxSize: 10, tiers: [{ intervalMs: 60_000, size: 3 }] })
    for (const p of TABLE_POINTS) h.add(p)
    const back = ResourceUsageHistory.fromJSON(h.toJSON(), {
      maxSize: 5,
      tiers: [
        { intervalMs: 60_000, size: 2 },
        { intervalMs: 120_000, size: 10 },
      ],
    })
    expect(back.range()).toEqual(TABLE_POINTS.slice(2))
    expect(back.tierInfo()).toEqual([
      { intervalMs: 60_000, size: 2, length: 2, oldestStart: 60_000, evicted: true },
      // Rebuilt from the 5 raw points still held, so it is marked incomplete.
      { intervalMs: 120_000, size: 10, length: 2, oldestStart: 0, evicted: true },
    ])
  })

  it.each([
    ['not an object', 5, ''],
    [
      'a fraction in a count column',
      { ...new ResourceUsageHistory().toJSON(), points: { ...pointsOf(1), threads: [1.5] } },
      'points.threads[0]',
    ],
    [
      'a negative gauge',
      { ...new ResourceUsageHistory().toJSON(), points: { ...pointsOf(1), memoryRss: [-5] } },
      'points.memoryRss[0]',
    ],
    [
      'an unknown delta column',
      { maxSize: 5, tiers: [], counters: {}, deltaEncoded: ['nope'], points: {} },
      'deltaEncoded',
    ],
    ['points missing', { maxSize: 5, tiers: [], counters: {} }, 'points'],
    [
      'a column of the wrong length',
      {
        maxSize: 5,
        tiers: [],
        counters: {},
        deltaEncoded: ['timestamp'],
        points: {
          timestamp: [1, 1],
          cpuPercent: [1],
          memoryRss: [1, 1],
          memoryVms: [1, 1],
          openFiles: [1, 1],
          threads: [1, 1],
          diskReadBytes: [1, 1],
          diskWriteBytes: [1, 1],
        },
      },
      'points.cpuPercent',
    ],
    [
      'a string in a column',
      {
        maxSize: 5,
        tiers: [],
        counters: {},
        deltaEncoded: ['timestamp'],
        points: {
          timestamp: [1],
          cpuPercent: ['x'],
          memoryRss: [1],
          memoryVms: [1],
          openFiles: [1],
          threads: [1],
          diskReadBytes: [1],
          diskWriteBytes: [1],
        },
      },
      'points.cpuPercent[0]',
    ],
    [
      'timestamps going back',
      { maxSize: 5, tiers: [], counters: {}, deltaEncoded: [], points: { timestamp: [5, 3] } },
      'points.timestamp',
    ],
    [
      'bad tier data',
      {
        ...new ResourceUsageHistory({ tiers: [{ intervalMs: 10, size: 3 }] }).toJSON(),
        tiers: [{ intervalMs: 10, size: 3, starts: [0], data: 'AAAA' }],
      },
      'tiers[0].data',
    ],
  ])('rejects %s with InvalidHistoryDataError naming the path', (_, json, path) => {
    expect(() => ResourceUsageHistory.fromJSON(json)).toThrow(
      expect.objectContaining({ code: 'ERR_STORE_INVALID_DATA', path }),
    )
  })
})

describe('serialize', () => {
  it.each([
    ['empty', () => new ResourceUsageHistory()],
    [
      'nulls, processes, evicted raw and tiers',
      () => {
        const h = new ResourceUsageHistory({
          maxSize: 4,
          tiers: [
            { intervalMs: 60_000, size: 2 },
            { intervalMs: 120_000, size: 5 },
          ],
        })
        for (const p of TABLE_POINTS) h.add({ ...p, processes: p.timestamp % 40_000 === 0 ? 2 : undefined })
        return h
      },
    ],
    [
      'absolute timestamps, no tiers',
      () => {
        const h = new ResourceUsageHistory({ tiers: [] })
        h.add(point({ timestamp: 0.5, cpuPercent: 1 / 3 }))
        h.add(point({ timestamp: 1.25, cpuPercent: 1e-7 }))
        return h
      },
    ],
  ])('equals JSON.stringify(toJSON()) (%s)', (_, make) => {
    const h = make()
    expect(h.serialize()).toBe(JSON.stringify(h.toJSON()))
    expect(ResourceUsageHistory.fromJSON(JSON.parse(h.serialize())).range()).toEqual(h.range())
  })
})
