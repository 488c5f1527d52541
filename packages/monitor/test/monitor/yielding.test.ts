import { readdirSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type PollReport,
  ResourceMonitor,
  type SampleEvent,
  type ThresholdAlert,
  type ThresholdResolved,
} from '../../src/index.js'
import { SLICE_MS } from '../../src/tick/slices.js'
import { busyFor } from '../helpers/busy.js'
import { ListSource, Processes } from '../helpers/processes.js'

const procs = new Processes()
afterEach(() => procs.killAll())

const fds = (): number => readdirSync('/proc/self/fd').length

/** A registry of `n` sleeping processes `a0`…`a<n-1>`, in that order. */
async function sleepers(n: number): Promise<ListSource> {
  const registry = new ListSource()
  for (const [i, pid] of (await procs.sleeps(n)).entries()) registry.add(`a${i}`, pid)
  return registry
}

/** Logs samples, alerts and polls in order: `sample:a1`, `warning:a1`, `resolved:a1:cleared`, `poll`. */
function record(m: ResourceMonitor, log: string[]): void {
  const alert = (a: ThresholdAlert | ThresholdResolved) =>
    log.push(`${a.level}:${a.agentId}${a.level === 'resolved' ? `:${a.reason}` : ''}`)
  m.on('sample', ({ agentId }) => log.push(`sample:${agentId}`))
  m.on('threshold:warning', alert)
  m.on('threshold:error', alert)
  m.on('threshold:resolved', alert)
  m.on('poll', () => log.push('poll'))
}

/**
 * The next time agent `id` is sampled, keeps the thread busy past a slice (as an expensive
 * listener would) and queues `then` with setImmediate: it runs at the tick's next yield.
 */
function interleave(m: ResourceMonitor, id: string, log: string[], then: () => void = () => {}): void {
  const listener = ({ agentId }: SampleEvent): void => {
    if (agentId !== id) return
    m.off('sample', listener)
    busyFor(SLICE_MS * 2)
    setImmediate(() => {
      log.push('immediate')
      then()
    })
  }
  m.on('sample', listener)
}

describe('a tick yields to the event loop after the sampler pass', () => {
  it('records, evaluates and emits in slices: a turn of the event loop comes before the next agent once a slice is used up', async () => {
    const m = new ResourceMonitor({ registry: await sleepers(3) })
    const log: string[] = []
    record(m, log)
    interleave(m, 'a0', log)
    await m.collectOnce()
    expect(log).toEqual(['sample:a0', 'immediate', 'sample:a1', 'sample:a2', 'poll'])
    await m.stop()
  })

  it('setThreshold while the tick yields: an agent already recorded has its episode cleared at once, one not yet recorded is judged by the new threshold in this tick', async () => {
    const m = new ResourceMonitor({
      registry: await sleepers(3),
      // A sleep has one thread: every agent is over the line, an episode opens on the first tick.
      defaultThreshold: { threads: 0, durationMs: 60_000 },
    })
    const log: string[] = []
    const resolved: ThresholdResolved[] = []
    m.on('threshold:resolved', (r) => resolved.push(r))
    await m.collectOnce()
    record(m, log)
    interleave(m, 'a0', log, () => {
      m.setThreshold('a0', null)
      m.setThreshold('a2', { threads: 0, durationMs: 0 })
    })
    const report = await m.collectOnce()
    expect(log).toEqual([
      'sample:a0',
      'immediate',
      'resolved:a0:cleared',
      'resolved:a2:cleared',
      'sample:a1',
      'sample:a2',
      'warning:a2', // the new threshold's episode, sustained at once (durationMs 0)
      'error:a2',
      'poll',
    ])
    // Events between the slices of a tick carry its time, like the others.
    expect(resolved.map((r) => r.at)).toEqual([report.at, report.at])
    log.length = 0
    await m.collectOnce()
    // Nothing new: a2's error fired once, a1's episode is still pending.
    expect(log).toEqual(['sample:a0', 'sample:a1', 'sample:a2', 'poll'])
    await m.stop()
  })
})

describe('a 1000-agent tick interleaved with other work', () => {
  it('the registry changes while the tick yields: the tick records the agents it listed; the next one forgets removed agents and ends a replaced process as gone', {
    timeout: 60_000,
  }, async () => {
    const registry = await sleepers(1000)
    const [spare] = await procs.sleeps(1)
    const m = new ResourceMonitor({ registry, defaultThreshold: { threads: 0, durationMs: 60_000 } })
    await m.collectOnce()
    const log: string[] = []
    record(m, log)
    interleave(m, 'a500', log, () => {
      registry.agents.delete('a0') // already recorded in this tick
      registry.agents.delete('a999') // not yet
      registry.add('a998', spare!) // restarted: another process
    })
    const during = await m.collectOnce()
    expect(during).toMatchObject({ agents: 1000, sampled: 1000, gone: 0, errors: 0 })
    const at = log.indexOf('immediate')
    expect(log.slice(at - 1, at + 2)).toEqual(['sample:a500', 'immediate', 'sample:a501'])
    expect(log.filter((e) => e.startsWith('resolved'))).toEqual([])
    expect(m.latest('a999')!.timestamp).toBe(during.at)

    log.length = 0
    const after = await m.collectOnce()
    expect(after).toMatchObject({ agents: 998, sampled: 998, gone: 0, errors: 0 })
    expect(log.filter((e) => !e.startsWith('sample'))).toEqual([
      'resolved:a0:gone',
      'resolved:a999:gone',
      'resolved:a998:gone', // the old process's episode, when its successor is first sampled
      'warning:a998',
      'poll',
    ])
    expect(m.latest('a0')).toBeUndefined()
    expect(m.latest('a999')).toBeUndefined()
    expect(await m.getResourceHistory('a999')).toEqual([])
    expect((await m.getResourceHistory('a998')).map((p) => p.timestamp)).toEqual([
      expect.any(Number),
      during.at,
      after.at,
    ])
    await m.stop()
  })

  it('stop() while the tick yields: the tick still records every agent and polls, then stop() resolves and releases the cached fds', {
    timeout: 60_000,
  }, async () => {
    const registry = await sleepers(1000)
    const before = fds()
    const m = new ResourceMonitor({ registry, backend: 'procfs' })
    const log: string[] = []
    record(m, log)
    let stopped: Promise<void> | undefined
    interleave(m, 'a10', log, () => {
      stopped = m.stop().then(() => {
        log.push('stopped')
      })
    })
    const polled = new Promise<PollReport>((resolve) => m.once('poll', resolve))
    const report = await m.collectOnce()
    await stopped
    expect(await polled).toBe(report)
    expect(report).toMatchObject({ agents: 1000, sampled: 1000 })
    expect(log.filter((e) => e.startsWith('sample'))).toHaveLength(1000)
    expect(log.slice(-2)).toEqual(['poll', 'stopped'])
    expect(m.latest('a999')!.timestamp).toBe(report.at)
    expect(fds()).toBeLessThanOrEqual(before)
  })
})
