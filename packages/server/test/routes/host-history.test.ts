import { HOST_COLUMNS, HOST_SERIES } from '@warden/host'
import { describe, expect, it } from 'vitest'
import { closeWardensAfterEach, type Json, READ_TOKEN, startWarden } from '../helpers.js'

closeWardensAfterEach()

const json = async (res: Response): Promise<Json> => (await res.json()) as Json
const HOST = { intervalMs: 60_000, gpu: 'off', systemd: false, disks: { mountPoints: ['/'] } } as const

describe('GET /v1/host/history (real HostMonitor, HostHistory and server on 127.0.0.1)', () => {
  it('serves the recorded ticks raw, one collector’s columns, and buckets with `interval`', async () => {
    const w = await startWarden({ startMonitor: false, host: HOST, hostHistory: {} })
    await w.host!.collectOnce()
    await w.host!.collectOnce()
    const ticks = await w.host!.getHistory()
    expect(ticks).toHaveLength(3) // the first sample startWarden waited for, and two more

    const raw = await json(await w.get('/v1/host/history', READ_TOKEN))
    expect(raw).toMatchObject({
      since: null,
      until: null,
      tier: 'raw',
      coveredSince: null,
      intervalMs: null,
      collector: null,
    })
    expect(raw.points).toEqual(ticks)
    expect(Object.keys(raw.points[0])).toEqual(HOST_SERIES.columns)
    expect(raw.buckets).toBeUndefined()

    const since = ticks[1]!.timestamp
    const memory = await json(await w.get(`/v1/host/history?since=${since}&collector=memory`, READ_TOKEN))
    expect(memory).toMatchObject({ since, collector: 'memory', tier: 'raw' })
    expect(memory.points).toHaveLength(2)
    expect(Object.keys(memory.points[0])).toEqual(['timestamp', ...HOST_COLUMNS.memory])
    expect(memory.points[1].memoryUsedBytes).toBe(ticks[2]!.memoryUsedBytes)

    const buckets = await json(await w.get('/v1/host/history?interval=1h&collector=cpu', READ_TOKEN))
    expect(buckets).toMatchObject({ tier: 'raw', intervalMs: 3_600_000, collector: 'cpu' })
    expect(buckets.points).toBeUndefined()
    expect(buckets.buckets.reduce((n: number, b: Json) => n + b.count, 0)).toBe(3)
    const last = buckets.buckets.at(-1)
    expect(Object.keys(last)).toEqual([
      'start',
      'end',
      'count',
      'cpuPercent',
      'load1',
      'load5',
      'load15',
      'psiCpuSomeAvg10',
      'psiMemorySomeAvg10',
      'psiIoSomeAvg10',
      'psiCpuSomeStallRate',
      'psiMemorySomeStallRate',
      'psiIoSomeStallRate',
    ])
    expect(last.load1).toMatchObject({ count: expect.any(Number) })
    const all = await json(await w.get('/v1/host/history?interval=1h', READ_TOKEN))
    expect(all.buckets).toEqual((await w.host!.getHistoryAggregated({ intervalMs: 3_600_000 })).buckets)
  })

  it('says which tier answered once raw ticks no longer reach back to `since`', async () => {
    const w = await startWarden({
      startMonitor: false,
      host: HOST,
      hostHistory: { maxSize: 2, tiers: [{ intervalMs: 60_000, size: 100 }] },
    })
    for (let i = 0; i < 3; i++) await w.host!.collectOnce()
    const ticks = 4
    const held = await w.host!.getHistory()
    expect(held).toHaveLength(2)
    const raw = await json(await w.get(`/v1/host/history?since=${held[0]!.timestamp}`, READ_TOKEN))
    expect(raw).toMatchObject({ tier: 'raw', coveredSince: held[0]!.timestamp })
    expect(raw.points).toEqual(held)

    const tier = await json(await w.get('/v1/host/history?since=1h', READ_TOKEN))
    expect(tier).toMatchObject({ tier: 60_000, coveredSince: null, intervalMs: null })
    expect(tier.points.length).toBeGreaterThanOrEqual(1)
    for (const p of tier.points) expect(p.timestamp % 60_000).toBe(0)

    const buckets = await json(await w.get('/v1/host/history?since=1h&interval=5m', READ_TOKEN))
    expect(buckets).toMatchObject({ tier: 60_000, intervalMs: 300_000 })
    expect(buckets.buckets.reduce((n: number, b: Json) => n + b.count, 0)).toBe(ticks)
  })

  it('validates parameters before anything else', async () => {
    const w = await startWarden({ startMonitor: false, host: HOST, hostHistory: {} })
    for (const [query, parameter] of [
      ['interval=0s', 'interval'],
      ['since=yesterday', 'since'],
      ['since=2h&until=3h', 'since'],
    ]) {
      const res = await w.get(`/v1/host/history?${query}`, READ_TOKEN)
      expect(res.status).toBe(400)
      expect((await json(res)).parameter).toBe(parameter)
    }
  })
})
