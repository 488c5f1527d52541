import { readdirSync } from 'node:fs'
import { SERIES_FILE, StoreClosedError } from '@warden/store'
import { InvalidOptionError } from '@warden/utils'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type HistoryRecordFailedEvent,
  HOST_SERIES,
  HostHistory,
  type HostHistoryOptions,
  HostMonitor,
  type HostSample,
  hostPoint,
} from '../../src/index.js'
import { TempDirs } from '../helpers/temp.js'
import { fullOptions, Monitors } from '../host-monitor/setup.js'

const temp = new TempDirs()
const monitors = new Monitors()
const histories: HostHistory[] = []
afterEach(async () => {
  await monitors.stopAll()
  for (const h of histories.splice(0)) await h.close()
  temp.removeAll()
})

async function openHistory(options: Partial<HostHistoryOptions> = {}): Promise<HostHistory> {
  const history = new HostHistory({ dir: options.dir ?? temp.make(), fsync: false, ...options })
  await history.open()
  histories.push(history)
  return history
}

describe('HostHistory with HostMonitor', () => {
  it('records every tick of a real monitor in a real store; a new monitor over the same directory sees them after a restart', async () => {
    const { options } = fullOptions(temp)
    const history = await openHistory()
    const host = monitors.make({ ...options, history })
    expect(host.history).toBe(history)
    const samples: HostSample[] = []
    for (let i = 0; i < 3; i++) samples.push(await host.collectOnce())

    const points = await host.getHistory()
    expect(points).toEqual(samples.map(hostPoint))
    expect(points.map((p) => p.timestamp)).toEqual(samples.map((s) => s.at))
    const last = points[2]!
    expect(last.cpuPercent).toBeTypeOf('number')
    expect(last.load1).toBeTypeOf('number')
    expect(last.memoryUsedBytes).toBeGreaterThan(0)
    expect(last.temperatureCelsius).toBe(62) // the fake coretemp Package id 0
    expect(last.diskUsedPercentMax).toBeTypeOf('number')
    expect(last.gpuMemoryUsedBytes).toBeGreaterThan(0) // the recorded nvidia-smi output
    expect(Object.keys(last)).toEqual(HOST_SERIES.columns)

    const agg = await host.getHistoryAggregated({ intervalMs: 3_600_000 })
    expect(agg).toMatchObject({ intervalMs: 3_600_000, tier: 'raw', coveredSince: null })
    expect(agg.buckets.reduce((n, b) => n + b.count, 0)).toBe(3)
    expect(agg.buckets.at(-1)!.temperatureCelsius).toMatchObject({ max: 62, min: 62 })
    expect(await host.getHistory({ since: samples[1]!.at, until: samples[1]!.at })).toEqual([points[1]])

    // Restart: the monitor stops, the history closes, new ones open over the same directory.
    await host.stop()
    await history.close()
    expect(readdirSync(history.dir)).toContain(SERIES_FILE)
    const again = await openHistory({ dir: history.dir })
    const host2 = monitors.make({ ...options, history: again })
    expect(await host2.getHistory()).toEqual(points)
    const next = await host2.collectOnce()
    expect((await host2.getHistory()).map((p) => p.timestamp)).toEqual([...samples, next].map((s) => s.at))
  })

  it('a tick whose record fails still completes; the failure is the history event', async () => {
    const history = await openHistory()
    const host = monitors.make({
      cpu: true,
      memory: true,
      disks: false,
      temperature: false,
      gpu: 'off',
      systemd: false,
      history,
    })
    await history.close()
    const failed = new Promise<HistoryRecordFailedEvent>((resolve) => history.once('record:failed', resolve))
    const sample = await host.collectOnce()
    const event = await failed
    expect(event.at).toBe(sample.at)
    expect(event.error).toBeInstanceOf(StoreClosedError)
  })

  it('without a history: no points, no buckets', async () => {
    const host = monitors.make({ disks: false, temperature: false, gpu: 'off', systemd: false })
    await host.collectOnce()
    expect(host.history).toBeUndefined()
    expect(await host.getHistory()).toEqual([])
    expect(await host.getHistoryAggregated({ intervalMs: 60_000 })).toEqual({
      intervalMs: 60_000,
      tier: 'raw',
      coveredSince: null,
      buckets: [],
    })
  })

  it('validates options and query windows with InvalidOptionError', async () => {
    const history = await openHistory()
    expect(() => new HostHistory({ dir: temp.make(), maxSzie: 5 } as never)).toThrow(/Unknown key `maxSzie`/)
    expect(() => new HostHistory({ dir: temp.make(), tiers: [{ intervalMs: 0, size: 1 }] })).toThrow(
      InvalidOptionError,
    )
    expect(() => new HostMonitor({ history: {} as never })).toThrow(/`history` to be a HostHistory/)
    await expect(history.getHistory({ since: Number.NaN })).rejects.toThrow(/`since` to be ms since epoch/)
    await expect(history.getHistoryAggregated({ intervalMs: 0 })).rejects.toThrow(
      /`intervalMs` to be a positive integer number of ms, got 0/,
    )
    await expect(history.getHistoryAggregated({ intervalMs: 1.5 })).rejects.toThrow(InvalidOptionError)
    await expect(history.getHistory(null as never)).rejects.toThrow(/`window` to be an object/)
  })

  it('keeps 7 days by default: raw ticks, then 15-minute buckets', async () => {
    const history = await openHistory()
    const day = 86_400_000
    const end = Math.floor(Date.now() / 900_000) * 900_000
    const start = end - 7 * day
    const stepMs = 5 * 60_000
    for (let at = start; at < end; at += stepMs) {
      // A tick's sample as the collectors report it, built by hand to cover a week in one test.
      const sample = {
        at,
        durationMs: 1,
        skipped: 0,
        memory: {
          ok: true,
          durationMs: 1,
          at,
          data: { usedBytes: at - start, availableBytes: 1, swapUsedBytes: 0 },
        },
      } as unknown as HostSample
      await history.record(sample)
    }
    const ticks = (end - start) / stepMs // 2016: more than the 1440 raw points kept
    expect((await history.getHistory()).length).toBe(1440)
    const week = await history.getHistoryAggregated({ since: start, intervalMs: day })
    expect(week.tier).toBe(900_000)
    expect(week.coveredSince).toBeNull()
    expect(week.buckets.reduce((n, b) => n + b.count, 0)).toBe(ticks)
    expect(week.buckets[0]!.memoryUsedBytes.min).toBe(0)
    const q = await history.query({ since: start })
    expect(q.tier).toBe(900_000)
    expect(q.points[0]!.timestamp).toBe(start)
  })
})
