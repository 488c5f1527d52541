import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ResourceDataPoint } from '@warden/store'
import { FileMetadataStore } from '@warden/store'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type CollectErrorEvent,
  ResourceMonitor,
  type Sampler,
  type ThresholdAlert,
  type ThresholdResolved,
} from '../../src/index.js'
import { ListSource, Processes } from '../helpers/processes.js'

const procs = new Processes()
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  await procs.killAll()
})

const T = 1_900_000_000_000
const MIN = 60_000
const HOUR = 60 * MIN

/** Hand-driven wall and monotonic clocks: simulated hours run in milliseconds. */
class SimClock {
  wall: unknown = T
  mono: unknown = 0
  readonly hooks = { now: () => this.wall as number, monotonic: () => this.mono as number }
  /** Minute `k` of true time, the wall clock off by `wallOffset`. */
  set(k: number, wallOffset = 0): void {
    this.mono = k * MIN
    this.wall = T + k * MIN + wallOffset
  }
}

async function sleeper(): Promise<ListSource> {
  const registry = new ListSource()
  registry.add('a', await procs.sleep())
  return registry
}

function recordAlerts(m: ResourceMonitor) {
  const alerts: (ThresholdAlert | ThresholdResolved)[] = []
  m.on('threshold:warning', (a) => alerts.push(a))
  m.on('threshold:error', (a) => alerts.push(a))
  m.on('threshold:resolved', (a) => alerts.push(a))
  return alerts
}

function recordErrors(m: ResourceMonitor): CollectErrorEvent[] {
  const errors: CollectErrorEvent[] = []
  m.on('collect-error', (e) => errors.push(e))
  return errors
}

describe('clock faults', () => {
  it('a NaN, infinite or non-number reading skips that tick only; later ticks are recorded', async () => {
    let now: unknown = T
    const m = new ResourceMonitor({ registry: await sleeper(), clock: () => now as number })
    cleanups.push(() => m.stop())
    await m.collectOnce()
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 'soon']) {
      now = bad
      await expect(m.collectOnce()).rejects.toMatchObject({
        code: 'ERR_MONITOR_CLOCK',
        clock: 'wall',
        reason: 'not-finite',
        value: bad,
      })
    }
    now = T + MIN
    expect(await m.collectOnce()).toMatchObject({ at: T + MIN, sampled: 1, writeErrors: 0 })
    now = T + 2 * MIN
    expect(await m.collectOnce()).toMatchObject({ at: T + 2 * MIN, sampled: 1, writeErrors: 0 })
    expect((await m.getResourceHistory('a')).map((p) => p.timestamp)).toEqual([T, T + MIN, T + 2 * MIN])
  })

  it('in a timer tick, an unusable reading is a collect-error and the next tick is fine', async () => {
    let broken = true
    const m = new ResourceMonitor({
      registry: await sleeper(),
      intervalMs: 20,
      clock: { now: () => (broken ? Number.NaN : Date.now()), monotonic: () => performance.now() },
    })
    cleanups.push(() => m.stop())
    const failed = new Promise<CollectErrorEvent>((resolve) => m.once('collect-error', resolve))
    m.start()
    expect(await failed).toMatchObject({
      agentId: undefined,
      error: { code: 'ERR_MONITOR_CLOCK', clock: 'wall', reason: 'not-finite' },
    })
    broken = false
    const polled = await m.waitForPoll({ timeoutMs: 10_000 })
    expect(polled).toMatchObject({ sampled: 1, writeErrors: 0 })
    expect(m.latest('a')!.timestamp).toBe(polled.at)
  })

  it('one reading an hour ahead is not trusted: timestamps follow true time, a 2-minute threshold fires at 2 minutes', async () => {
    const clock = new SimClock()
    const m = new ResourceMonitor({
      registry: await sleeper(),
      clock: clock.hooks,
      defaultThreshold: { memoryBytes: 1, durationMs: 2 * MIN },
    })
    cleanups.push(() => m.stop())
    const alerts = recordAlerts(m)
    const errors = recordErrors(m)
    const at: number[] = []
    for (let k = 0; k <= 4; k++) {
      clock.set(k, k === 1 ? HOUR : 0)
      at.push((await m.collectOnce()).at)
    }
    expect(at).toEqual([T, T + MIN, T + 2 * MIN, T + 3 * MIN, T + 4 * MIN])
    expect((await m.getResourceHistory('a')).map((p) => p.timestamp)).toEqual(at)
    expect(alerts.map((a) => `${a.at - T}:${a.level}`)).toEqual([`0:warning`, `${2 * MIN}:error`])
    expect(alerts[1]).toMatchObject({ since: T, exceededForMs: 2 * MIN })
    expect(errors).toEqual([])
  })

  it('a forward step is adopted as a gap; durations still run on monotonic time', async () => {
    const clock = new SimClock()
    const m = new ResourceMonitor({
      registry: await sleeper(),
      clock: clock.hooks,
      defaultThreshold: { memoryBytes: 1, durationMs: 5 * MIN },
    })
    cleanups.push(() => m.stop())
    const alerts = recordAlerts(m)
    const errors = recordErrors(m)
    const at: number[] = []
    for (let k = 0; k <= 6; k++) {
      clock.set(k, k >= 3 ? HOUR : 0)
      at.push((await m.collectOnce()).at)
    }
    // Minute 3 reads an hour ahead: unconfirmed, stamped on the monotonic expectation; minute 4 confirms.
    expect(at).toEqual([
      T,
      T + MIN,
      T + 2 * MIN,
      T + 3 * MIN,
      T + HOUR + 4 * MIN,
      T + HOUR + 5 * MIN,
      T + HOUR + 6 * MIN,
    ])
    expect((await m.getResourceHistory('a')).map((p) => p.timestamp)).toEqual(at)
    // Not at minute 4, when the labels say 64 minutes have passed: at minute 5.
    const fired = alerts.filter((a) => a.level === 'error')
    expect(fired).toHaveLength(1)
    expect(fired[0]).toMatchObject({ since: T, at: T + HOUR + 5 * MIN, exceededForMs: 5 * MIN })
    expect(errors).toEqual([])
  })

  it('a step back never sends history back nor compresses it: the hourly disk rate stays true', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-monitor-clock-'))
    const store = new FileMetadataStore({ dir, fsync: false })
    await store.open()
    cleanups.push(
      () => rmSync(dir, { recursive: true, force: true }),
      () => store.close(),
    )
    const clock = new SimClock()
    const RATE = 1000 // bytes per second of true time
    // The one fake here: a counter that grows at a known rate of simulated time, which no real process has.
    const sampler: Sampler = {
      backend: 'procfs',
      sampleAll: async (targets, { now }) => {
        const bytes = Math.round(((clock.mono as number) / 1000) * RATE)
        const point: ResourceDataPoint = {
          timestamp: now!,
          cpuPercent: 1,
          memoryRss: 1,
          memoryVms: 1,
          diskReadBytes: bytes,
          diskWriteBytes: 2 * bytes,
          openFiles: 1,
          threads: 1,
        }
        return new Map(targets.map((t) => [t.id, { kind: 'ok', point, startTicks: 1 } as const]))
      },
      close: () => {},
    }
    const m = new ResourceMonitor({
      registry: { list: () => [{ id: 'a', pid: 1, startTicks: 1, status: 'running' as const }] },
      store,
      sampler,
      clock: clock.hooks,
    })
    cleanups.push(() => m.stop())
    const errors = recordErrors(m)
    // Three hours, one tick a minute; at 1.5 h NTP steps the wall clock back 30 minutes for good.
    for (let k = 0; k <= 180; k++) {
      clock.set(k, k >= 90 ? -30 * MIN : 0)
      expect((await m.collectOnce()).writeErrors).toBe(0)
    }
    const stamps = (await m.getResourceHistory('a')).map((p) => p.timestamp)
    expect(stamps).toHaveLength(181)
    expect(stamps.every((t, i) => i === 0 || t - stamps[i - 1]! === MIN)).toBe(true)
    expect(errors).toHaveLength(1)
    expect(errors[0]!.error).toMatchObject({
      code: 'ERR_MONITOR_CLOCK',
      reason: 'stepped-back',
      aheadMs: 30 * MIN,
    })
    const { buckets } = await m.getResourceHistoryAggregated('a', { intervalMs: HOUR })
    expect(buckets.length).toBeGreaterThanOrEqual(3)
    for (const bucket of buckets) {
      if (bucket.diskReadRate === null) continue
      expect(Math.abs(bucket.diskReadRate / RATE - 1)).toBeLessThan(0.03)
      expect(Math.abs(bucket.diskWriteRate! / (2 * RATE) - 1)).toBeLessThan(0.03)
    }
  })
})
