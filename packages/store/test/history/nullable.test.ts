// memoryVms and threads are null when a sampler cannot read them (pidusage): never a fake 0.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type ResourceDataPoint, ResourceUsageHistory } from '@warden/store'
import { describe, expect, it } from 'vitest'
import { point } from '../helpers/points.js'
import { openStore, tempDir } from '../helpers/tmp.js'

const s = 1000
/** 60 s buckets: [0,60) mixes null and values, [60,120) is all null, [120,180) all values. */
const POINTS: ResourceDataPoint[] = [
  point({ timestamp: 0, memoryVms: null, threads: null }),
  point({ timestamp: 20 * s, memoryVms: 1000, threads: 4 }),
  point({ timestamp: 40 * s, memoryVms: 3000, threads: 2 }),
  point({ timestamp: 60 * s, memoryVms: null, threads: null }),
  point({ timestamp: 80 * s, memoryVms: null, threads: null }),
  point({ timestamp: 120 * s, memoryVms: 0, threads: 0 }),
]
const NONE = { avg: null, min: null, max: null, count: 0 }

function expectNullsAggregated(h: ResourceUsageHistory): void {
  const { tier, buckets } = h.aggregate({ intervalMs: 60 * s })
  expect(tier).toBe('raw')
  expect(buckets.map((b) => [b.count, b.memoryVms, b.threads])).toEqual([
    [3, { avg: 2000, min: 1000, max: 3000, count: 2 }, { avg: 3, min: 2, max: 4, count: 2 }],
    [2, NONE, NONE],
    // A real 0 is a value.
    [1, { avg: 0, min: 0, max: 0, count: 1 }, { avg: 0, min: 0, max: 0, count: 1 }],
  ])
}

describe('nullable memoryVms and threads', () => {
  it('round-trip through add → file → load → aggregate', async () => {
    const dir = tempDir()
    const store = await openStore({ dir, history: { tiers: [{ intervalMs: 60 * s, size: 10 }] } })
    for (const p of POINTS) await store.appendResourceData('a', p)
    await store.close()
    const json = JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8'))
    expect(json.resourceUsage.points.threads).toEqual([null, 4, 2, null, null, 0])
    expect(json.resourceUsage.points.memoryVms).toEqual(
      [null, 1000, 3000, null, null, 0].map((v, i, a) => {
        // delta-encoded against the previous readable value
        if (v === null) return null
        const prev =
          a
            .slice(0, i)
            .filter((x) => x !== null)
            .at(-1) ?? 0
        return v - prev
      }),
    )
    const again = await openStore({ dir, history: { tiers: [{ intervalMs: 60 * s, size: 10 }] } })
    const h = (await again.get('a'))!.resourceUsage
    expect(h.range()).toEqual(POINTS)
    expectNullsAggregated(h)
    expectNullsAggregated(ResourceUsageHistory.fromJSON(JSON.parse(h.serialize())))
  })

  it('tier rollups leave nulls out; an all-null bucket is null, also after toJSON/fromJSON', () => {
    const h = new ResourceUsageHistory({ maxSize: 2, tiers: [{ intervalMs: 60 * s, size: 10 }] })
    for (const p of POINTS) h.add(p)
    for (const copy of [h, ResourceUsageHistory.fromJSON(h.toJSON()), h.clone()]) {
      // Raw points no longer reach back to 0: the tier answers.
      const agg = copy.aggregate({ since: 0, intervalMs: 60 * s })
      expect(agg.tier).toBe(60 * s)
      expect(agg.buckets.map((b) => [b.memoryVms, b.threads])).toEqual([
        [
          { avg: 2000, min: 1000, max: 3000, count: 2 },
          { avg: 3, min: 2, max: 4, count: 2 },
        ],
        [NONE, NONE],
        [
          { avg: 0, min: 0, max: 0, count: 1 },
          { avg: 0, min: 0, max: 0, count: 1 },
        ],
      ])
      const q = copy.query({ since: 0 })
      expect(q.points.map((p) => [p.memoryVms, p.threads])).toEqual([
        [2000, 3],
        [null, null],
        [0, 0],
      ])
    }
  })

  it('still rejects a fraction of a thread or a negative memoryVms; a file cannot smuggle the -1 null sentinel in', () => {
    const h = new ResourceUsageHistory()
    expect(() => h.add(point({ timestamp: 1, threads: 2.5 }))).toThrow(
      expect.objectContaining({ code: 'ERR_STORE_INVALID_DATA_POINT', field: 'threads' }),
    )
    expect(() => h.add(point({ timestamp: 1, memoryVms: -1 }))).toThrow(
      expect.objectContaining({ code: 'ERR_STORE_INVALID_DATA_POINT', field: 'memoryVms' }),
    )
    expect(() =>
      ResourceUsageHistory.fromJSON({
        ...new ResourceUsageHistory({ tiers: [] }).toJSON(),
        points: {
          timestamp: [1],
          cpuPercent: [0],
          memoryRss: [0],
          memoryVms: [0],
          openFiles: [0],
          threads: [-1],
          diskReadBytes: [0],
          diskWriteBytes: [0],
        },
        deltaEncoded: [],
      }),
    ).toThrow(expect.objectContaining({ code: 'ERR_STORE_INVALID_DATA', path: 'points.threads[0]' }))
  })
})
