import type { ResourceDataPoint } from '@warden/store'
import { describe, expect, it } from 'vitest'
import {
  type CollectErrorEvent,
  type PollReport,
  ResourceMonitor,
  SampleError,
  type SampleOutcome,
  type Sampler,
  type SampleTarget,
} from '../../src/index.js'

/**
 * A sampler whose ticks take as long as the test says: the only way to make a tick outlast
 * the interval on purpose. It records how many sampleAll calls ever overlapped.
 */
class SlowSampler implements Sampler {
  readonly backend = 'procfs' as const
  calls = 0
  active = 0
  maxActive = 0
  closed = 0
  release: (() => void) | undefined
  constructor(readonly gate: 'manual' | number) {}

  async sampleAll(
    targets: readonly SampleTarget[],
    { now }: { now?: number },
  ): Promise<Map<string, SampleOutcome>> {
    this.calls++
    this.active++
    this.maxActive = Math.max(this.maxActive, this.active)
    await new Promise<void>((resolve) => {
      if (this.gate === 'manual') this.release = resolve
      else setTimeout(resolve, this.gate)
    })
    this.active--
    const point: ResourceDataPoint = {
      timestamp: now ?? Date.now(),
      cpuPercent: 1,
      memoryRss: 1,
      memoryVms: 1,
      diskReadBytes: null,
      diskWriteBytes: null,
      openFiles: null,
      threads: 1,
    }
    return new Map(targets.map((t) => [t.id, { kind: 'ok', point, startTicks: 1 } as const]))
  }

  close(): void {
    this.closed++
  }
}

const registry = { list: () => [{ id: 'a', pid: 1, startTicks: 1, status: 'running' as const }] }

describe('ResourceMonitor ticks', () => {
  it('never overlaps ticks: a tick due while one runs is skipped and counted in the poll report', async () => {
    const sampler = new SlowSampler('manual')
    const m = new ResourceMonitor({ registry, sampler, intervalMs: 10 })
    const reports: PollReport[] = []
    m.on('poll', (r) => reports.push(r))
    m.start()
    m.start() // idempotent: still one timer, one tick in flight
    expect(sampler.calls).toBe(1)
    // Hold the first tick open across many intervals.
    const t0 = Date.now()
    while (Date.now() - t0 < 100) await new Promise((r) => setTimeout(r, 10))
    expect(sampler.calls).toBe(1)
    const polled = m.waitForPoll()
    sampler.release!()
    const first = await polled
    expect(first.skipped).toBeGreaterThanOrEqual(2)
    expect(first.sampled).toBe(1)
    const stopped = m.stop()
    sampler.release!() // in case the timer started another tick meanwhile
    await stopped
    // The counter restarts after each report.
    const again = m.collectOnce()
    sampler.release!()
    expect((await again).skipped).toBe(0)
    expect(sampler.maxActive).toBe(1)
    expect(reports.length).toBeGreaterThanOrEqual(2)
  })

  it('stop() waits for the tick in flight and leaves an injected sampler open', async () => {
    const sampler = new SlowSampler(50)
    const m = new ResourceMonitor({ registry, sampler, intervalMs: 1000 })
    let polled = 0
    m.on('poll', () => polled++)
    m.start()
    expect(sampler.active).toBe(1)
    await m.stop()
    expect(sampler.active).toBe(0)
    expect(polled).toBe(1)
    expect(m.running).toBe(false)
    expect(sampler.closed).toBe(0)
    expect(m.latest('a')).toMatchObject({ cpuPercent: 1 })
  })

  it('collectOnce() queues behind the tick in flight instead of overlapping it', async () => {
    const sampler = new SlowSampler(30)
    const m = new ResourceMonitor({ registry, sampler })
    const [r1, r2, r3] = await Promise.all([m.collectOnce(), m.collectOnce(), m.collectOnce()])
    expect(sampler.calls).toBe(3)
    expect(sampler.maxActive).toBe(1)
    expect([r1!.skipped, r2!.skipped, r3!.skipped]).toEqual([0, 0, 0])
    expect(r1!.at).toBeLessThanOrEqual(r2!.at)
  })

  it('a sampler that throws becomes collect-error, never an unhandled rejection or an error event', async () => {
    const sampler: Sampler = {
      backend: 'procfs',
      sampleAll: async () => {
        throw new Error('boom')
      },
      close: () => {},
    }
    const m = new ResourceMonitor({ registry, sampler, intervalMs: 5 })
    const errors: unknown[] = []
    m.on('collect-error', (e) => errors.push(e))
    const report = m.waitForPoll({ timeoutMs: 5000 })
    m.start()
    expect(await report).toMatchObject({ agents: 1, sampled: 0, errors: 1 })
    await m.stop()
    expect(errors[0]).toMatchObject({
      agentId: undefined,
      error: { code: 'ERR_MONITOR_SAMPLE', cause: { message: 'boom' } },
    })
    expect(m.listenerCount('error' as never)).toBe(0)
  })

  it('per-agent sampling errors are reported once each, not wrapped twice', async () => {
    const own = new SampleError({ agentId: 'a', pid: 1, cause: new Error('EIO') })
    const sampler: Sampler = {
      backend: 'procfs',
      sampleAll: async () =>
        new Map<string, SampleOutcome>([
          ['a', { kind: 'error', error: own }],
          ['b', { kind: 'error', error: new Error('raw') }],
          // 'c' has no outcome at all: a sampler bug, still reported
        ]),
      close: () => {},
    }
    const two = {
      list: () => [
        { id: 'a', pid: 1, startTicks: 1, status: 'running' as const },
        { id: 'b', pid: 2, startTicks: 1, status: 'running' as const },
        { id: 'c', pid: 3, startTicks: 1, status: 'running' as const },
      ],
    }
    const m = new ResourceMonitor({ registry: two, sampler })
    const errors: CollectErrorEvent[] = []
    m.on('collect-error', (e) => errors.push(e))
    expect(await m.collectOnce()).toMatchObject({ agents: 3, sampled: 0, errors: 3 })
    expect(errors[0]).toEqual({ agentId: 'a', error: own })
    expect(errors[1]!.error).toMatchObject({
      code: 'ERR_MONITOR_SAMPLE',
      agentId: 'b',
      pid: 2,
      cause: { message: 'raw' },
    })
    expect(errors[2]!.error.message).toMatch(/agent "c" \(pid 3\) failed: the sampler returned no outcome/)
  })

  it('waitForPoll rejects after timeoutMs with WaitTimeoutError', async () => {
    const m = new ResourceMonitor({ registry, sampler: new SlowSampler(0) })
    await expect(m.waitForPoll({ timeoutMs: 20 })).rejects.toMatchObject({
      code: 'ERR_WARDEN_WAIT_TIMEOUT',
      timeoutMs: 20,
    })
    expect(m.listenerCount('poll')).toBe(0)
  })

  it('waitForPoll rejects with the reason of an aborted signal, and on unknown option keys', async () => {
    const m = new ResourceMonitor({ registry, sampler: new SlowSampler(0) })
    const ac = new AbortController()
    const waiting = m.waitForPoll({ signal: ac.signal })
    ac.abort(new Error('no longer needed'))
    await expect(waiting).rejects.toThrow('no longer needed')
    expect(m.listenerCount('poll')).toBe(0)
    await expect(m.waitForPoll({ timeout: 5 } as never)).rejects.toMatchObject({
      code: 'ERR_WARDEN_INVALID_OPTION',
      option: 'timeout',
    })
  })
})
