import { readdirSync } from 'node:fs'
import type { ResourceDataPoint } from '@warden/store'
import { afterEach, describe, expect, it } from 'vitest'
import { type PollReport, ResourceMonitor, type RestartEvent, type Sampler } from '../../src/index.js'
import { ListSource, Processes, until } from '../helpers/processes.js'

const procs = new Processes()
afterEach(() => procs.killAll())

/** Open fds of this process: the procfs sampler caches 4 per sampled process. */
const fds = (): number => readdirSync('/proc/self/fd').length

async function sleepers(n: number): Promise<ListSource> {
  const children = await Promise.all(Array.from({ length: n }, () => procs.sleep()))
  const registry = new ListSource()
  for (const [i, c] of children.entries()) registry.add(`s${i}`, c)
  return registry
}

const point = (timestamp: number): ResourceDataPoint => ({
  timestamp,
  cpuPercent: 1,
  memoryRss: 2,
  memoryVms: 2,
  diskReadBytes: null,
  diskWriteBytes: null,
  openFiles: null,
  threads: 1,
})

/** Tracks whether a promise has settled, without awaiting it. */
function settled(p: Promise<unknown>): () => boolean {
  let done = false
  p.then(
    () => {
      done = true
    },
    () => {
      done = true
    },
  )
  return () => done
}

describe('stop() and collectOnce() interleaved', () => {
  it('stop() waits for a collectOnce() queued behind the tick in flight, then closes the sampler', async () => {
    const registry = await sleepers(20)
    const before = fds()
    const m = new ResourceMonitor({ registry, backend: 'procfs' })
    const first = m.collectOnce()
    const stopped = m.stop()
    const queued = m.collectOnce()
    const queuedDone = settled(queued)
    await stopped
    expect(queuedDone()).toBe(true)
    expect(fds()).toBeLessThanOrEqual(before)
    expect((await first).sampled).toBe(20)
    expect((await queued).sampled).toBe(20)
    expect(fds()).toBeLessThanOrEqual(before)
  })

  it('collectOnce() after stop() still works and releases its sampler when its tick ends', async () => {
    const registry = await sleepers(20)
    const before = fds()
    const m = new ResourceMonitor({ registry, backend: 'procfs' })
    m.start()
    await m.stop()
    expect(fds()).toBeLessThanOrEqual(before)
    const report = await m.collectOnce()
    expect(report.sampled).toBe(20)
    expect(fds()).toBeLessThanOrEqual(before)
    // Two at once after stop(): the sampler is closed after the last of them, not in between.
    const [a, b] = await Promise.all([m.collectOnce(), m.collectOnce()])
    expect([a.sampled, b.sampled]).toEqual([20, 20])
    expect(m.latest('s0')!.cpuPercent).toBeTypeOf('number') // b's sample was a second one
    expect(fds()).toBeLessThanOrEqual(before)
    // Without start() and without stop(), collectOnce() keeps its sampler (cpu % needs two reads).
    const fresh = new ResourceMonitor({ registry, backend: 'procfs' })
    await fresh.collectOnce()
    expect(fds()).toBeGreaterThanOrEqual(before + 20)
    await fresh.collectOnce()
    expect(fresh.latest('s0')!.cpuPercent).toBeTypeOf('number')
    await fresh.stop()
    expect(fds()).toBeLessThanOrEqual(before)
  })

  it('stop() waits for a collectOnce() queued while it waits, and for the restart that tick requests', async () => {
    // A sampler held by the test: the first tick stays in flight until released.
    let releaseSample: () => void = () => {}
    let calls = 0
    const sampler: Sampler = {
      backend: 'procfs',
      sampleAll: async (targets, { now }) => {
        calls++
        await new Promise<void>((resolve) => {
          releaseSample = resolve
        })
        return new Map(targets.map((t) => [t.id, { kind: 'ok', point: point(now!), startTicks: 1 } as const]))
      },
      close: () => {},
    }
    let releaseRestart: () => void = () => {}
    const restarting = new Promise<void>((resolve) => {
      releaseRestart = resolve
    })
    const asked: string[] = []
    let now = 1_900_000_000_000
    const m = new ResourceMonitor({
      registry: { list: () => [{ id: 'a', pid: 1, startTicks: 1, status: 'running' as const }] },
      sampler,
      clock: () => now,
      supervisor: {
        restart: (id: string) => {
          asked.push(id)
          return restarting
        },
      },
      defaultThreshold: { memoryBytes: 1, durationMs: 1000, action: 'restart' },
    })
    const restarts: RestartEvent[] = []
    m.on('restart', (e) => restarts.push(e))
    const first = m.collectOnce() // warning only
    const stopped = m.stop()
    now += 1000
    const queued = m.collectOnce() // sustained: error and restart
    const stoppedDone = settled(stopped)
    await until(() => calls === 1, 10_000, 'the first tick to sample')
    releaseSample()
    await first
    await until(() => calls === 2, 10_000, 'the queued tick to sample')
    releaseSample()
    await queued
    expect(asked).toEqual(['a'])
    expect(stoppedDone()).toBe(false) // the restart is still in flight
    releaseRestart()
    await stopped
    expect(restarts.map((r) => r.agentId)).toEqual(['a'])
  })

  it('every public call interleaved, concurrent and after stop(): no overlap, no leak, history in order', async () => {
    const registry = await sleepers(10)
    const before = fds()
    const m = new ResourceMonitor({ registry, backend: 'procfs', intervalMs: 5 })
    const polls: PollReport[] = []
    m.on('poll', (r) => polls.push(r))
    m.start()
    const results = await Promise.all([
      m.collectOnce(),
      m.getResourceHistory('s0'),
      m.stop(),
      m.collectOnce(),
      Promise.resolve().then(() => m.setThreshold('s0', { threads: 0, durationMs: 0 })),
      m.getResourceHistoryAggregated('s0', { intervalMs: 1000 }),
      m.collectOnce(),
      m.stop(),
      m.collectOnce(),
    ])
    expect(m.running).toBe(false)
    expect(fds()).toBeLessThanOrEqual(before)
    const ticks = results.filter(
      (r): r is PollReport => typeof r === 'object' && r !== null && 'sampled' in r,
    )
    expect(ticks.map((r) => r.sampled)).toEqual([10, 10, 10, 10])

    // start() while a stop() waits for a tick: the monitor runs on and keeps its sampler.
    const pending = m.collectOnce()
    const stopping = m.stop()
    m.start()
    await Promise.all([pending, stopping])
    expect(m.running).toBe(true)
    await m.waitForPoll({ timeoutMs: 10_000 })
    expect(fds()).toBeGreaterThanOrEqual(before + 10)
    await Promise.all([m.stop(), m.stop(), m.collectOnce(), m.getResourceHistory('s0')])
    expect(m.running).toBe(false)
    expect(fds()).toBeLessThanOrEqual(before)

    const history = await m.getResourceHistory('s0')
    expect(history.length).toBe(polls.filter((p) => p.sampled > 0).length)
    const stamps = history.map((p) => p.timestamp)
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b))
    expect(polls.map((p) => p.at)).toEqual([...polls.map((p) => p.at)].sort((a, b) => a - b))
  })
})
