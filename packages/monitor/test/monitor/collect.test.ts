import { readdirSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type PollReport,
  ResourceMonitor,
  type SampleEvent,
  type ThresholdAlert,
  type ThresholdResolved,
} from '../../src/index.js'
import { ListSource, Processes } from '../helpers/processes.js'

const procs = new Processes()
afterEach(() => procs.killAll())

/** Collects every event of a monitor in order as `level:agent:resource[:reason]`. */
function record(m: ResourceMonitor) {
  const log: string[] = []
  const alerts: (ThresholdAlert | ThresholdResolved)[] = []
  const on = (a: ThresholdAlert | ThresholdResolved) => {
    alerts.push(a)
    log.push(`${a.level}:${a.agentId}:${a.resource}${a.level === 'resolved' ? `:${a.reason}` : ''}`)
  }
  m.on('threshold:warning', on)
  m.on('threshold:error', on)
  m.on('threshold:resolved', on)
  return { log, alerts }
}

describe('ResourceMonitor.collectOnce over real processes', () => {
  it('samples every running/stopping agent with a pid in one tick and keeps an in-memory history', async () => {
    const [a, b, c] = await Promise.all([
      procs.fixture('forever.js'),
      procs.fixture('forever.js'),
      procs.sleep(),
    ])
    const registry = new ListSource()
    registry.add('a', a)
    registry.add('b', b, 'stopping')
    registry.add('c', c, 'stopped') // has a pid but is not considered running
    registry.agents.set('d', { id: 'd', pid: null, startTicks: null, status: 'running' })
    const m = new ResourceMonitor({ registry })
    const samples: SampleEvent[] = []
    m.on('sample', (e) => samples.push(e))

    const r1 = await m.collectOnce()
    expect(r1).toMatchObject({ agents: 2, sampled: 2, gone: 0, errors: 0, writeErrors: 0, skipped: 0 })
    expect(r1.durationMs).toBeGreaterThanOrEqual(0)
    expect(samples.map((s) => s.agentId).sort()).toEqual(['a', 'b'])
    const first = m.latest('a')!
    expect(first.cpuPercent).toBeNull() // first sample of a process: no fake 0
    expect(first.memoryRss).toBeGreaterThan(1_000_000)
    expect(first.threads).toBeGreaterThanOrEqual(1)
    expect(first.timestamp).toBe(r1.at)
    expect(m.latest('c')).toBeUndefined()

    const r2 = await m.collectOnce()
    expect(m.latest('a')!.cpuPercent).toBeTypeOf('number')
    const history = await m.getResourceHistory('a')
    expect(history.map((p) => p.timestamp)).toEqual([r1.at, r2.at])
    expect(await m.getResourceHistory('a', { since: r2.at })).toHaveLength(1)
    expect(await m.getResourceHistory('a', { until: r1.at })).toHaveLength(1)
    expect(await m.getResourceHistory('a', { durationMs: 60_000 })).toHaveLength(2)
    expect(await m.getResourceHistory('nobody')).toEqual([])
    const agg = await m.getResourceHistoryAggregated('a', { intervalMs: 3_600_000 })
    expect(agg.buckets.reduce((n, bucket) => n + bucket.count, 0)).toBe(2)
    await expect(m.getResourceHistory('a', { durationMs: -1 })).rejects.toThrow(
      /Expected `durationMs` to be a positive number of ms, got -1 \(number\)/,
    )
    await expect(m.getResourceHistoryAggregated('a', { intervalMs: 0 })).rejects.toMatchObject({
      code: 'ERR_WARDEN_INVALID_OPTION',
    })
    await m.stop()
  })

  it('a process that exits between ticks is reported gone and its episodes end with reason gone', async () => {
    const [a, b] = await Promise.all([procs.fixture('forever.js'), procs.fixture('forever.js')])
    const registry = new ListSource()
    registry.add('a', a)
    registry.add('b', b)
    // Every node process has more than one thread: both agents are over the line from the first tick.
    const m = new ResourceMonitor({ registry, defaultThreshold: { threads: 1, durationMs: 0 } })
    const { log, alerts } = record(m)
    const first = await m.collectOnce()
    expect(log.sort()).toEqual([
      'error:a:threads',
      'error:b:threads',
      'warning:a:threads',
      'warning:b:threads',
    ])
    // Alerts carry the tick's time: `since` is the timestamp of a point in the history.
    expect(alerts.every((x) => x.since === first.at && x.at === first.at)).toBe(true)
    expect(m.latest('a')!.timestamp).toBe(first.at)
    log.length = 0

    await procs.kill(a) // the registry still lists it as running: the sampler finds it gone
    const report = await m.collectOnce()
    expect(report).toMatchObject({ agents: 2, sampled: 1, gone: 1, errors: 0 })
    expect(log).toEqual(['resolved:a:threads:gone'])
    expect(alerts.at(-1)).toMatchObject({
      agentId: 'a',
      value: null,
      reason: 'gone',
      fired: true,
      at: report.at,
    })
    expect(alerts.at(-1)!.exceededForMs).toBe(report.at - first.at)
    expect(m.latest('a')).toBeDefined() // the last point stays queryable

    // Nothing more for a while the agent stays gone.
    expect((await m.collectOnce()).gone).toBe(1)
    expect(log).toEqual(['resolved:a:threads:gone'])
  })

  it('an agent that stops, is removed, or gets a new process ends its episodes as gone', async () => {
    const [a, b, c, c2] = await Promise.all([
      procs.fixture('forever.js'),
      procs.fixture('forever.js'),
      procs.fixture('forever.js'),
      procs.fixture('forever.js'),
    ])
    const registry = new ListSource()
    registry.add('a', a)
    registry.add('b', b)
    registry.add('c', c)
    const m = new ResourceMonitor({ registry, defaultThreshold: { threads: 1, durationMs: 60_000 } })
    const { log } = record(m)
    await m.collectOnce()
    expect(log.sort()).toEqual(['warning:a:threads', 'warning:b:threads', 'warning:c:threads'])
    log.length = 0

    registry.set('a', { status: 'exited', pid: null })
    registry.agents.delete('b')
    registry.add('c', c2) // restarted between ticks: same id, another process
    await m.collectOnce()
    expect(log.sort()).toEqual([
      'resolved:a:threads:gone',
      'resolved:b:threads:gone',
      'resolved:c:threads:gone',
      'warning:c:threads', // the new process starts its own episode
    ])
    expect(m.latest('b')).toBeUndefined() // removed from the registry: forgotten
  })

  it('a pid reused by another process is not attributed to the agent', async () => {
    const a = await procs.fixture('forever.js')
    const registry = new ListSource()
    registry.add('a', a)
    // The registry's identity says another start time: the live process at that pid is not the agent.
    registry.set('a', { startTicks: (registry.agents.get('a')!.startTicks ?? 0) + 1 })
    const m = new ResourceMonitor({ registry })
    let report: PollReport = await m.collectOnce()
    expect(report).toMatchObject({ sampled: 0, gone: 1 })
    expect(m.latest('a')).toBeUndefined()
    registry.add('a', a)
    report = await m.collectOnce()
    expect(report).toMatchObject({ sampled: 1, gone: 0 })
  })

  it('stop() closes the sampler it created: the /proc fds it cached are released', async () => {
    const fds = () => readdirSync('/proc/self/fd').length
    const children = await Promise.all(Array.from({ length: 20 }, () => procs.sleep()))
    const registry = new ListSource()
    children.forEach((c, i) => {
      registry.add(`s${i}`, c)
    })
    const before = fds()
    const m = new ResourceMonitor({ registry, backend: 'procfs' })
    await m.collectOnce()
    await m.collectOnce()
    // procfs keeps a few fds per sampled process open between ticks.
    expect(fds()).toBeGreaterThanOrEqual(before + 20)
    await m.stop()
    expect(fds()).toBeLessThanOrEqual(before)
    // It can be started again with a fresh sampler.
    expect((await m.collectOnce()).sampled).toBe(20)
    await m.stop()
    expect(fds()).toBeLessThanOrEqual(before)
  })

  it('an agent no longer sampled (stopped, or removed from the registry) has its cached fds released at the next tick', async () => {
    const fds = () => readdirSync('/proc/self/fd').length
    const [a, b, c] = await Promise.all([procs.sleep(), procs.sleep(), procs.sleep()])
    const registry = new ListSource()
    registry.add('a', a)
    registry.add('b', b)
    registry.add('c', c)
    const m = new ResourceMonitor({ registry, backend: 'procfs' })
    await m.collectOnce()
    const all = fds()
    registry.set('a', { status: 'stopped' }) // the process lives on
    registry.agents.delete('b')
    expect((await m.collectOnce()).sampled).toBe(1)
    // procfs keeps 4 fds per sampled process: a's and b's are closed, c's are kept.
    expect(fds()).toBeLessThanOrEqual(all - 8)
    await m.collectOnce()
    expect(m.latest('c')!.cpuPercent).toBeTypeOf('number') // c's state survived the prune
    await m.stop()
  })

  it('setThreshold replaces the line and ends open episodes as cleared', async () => {
    const a = await procs.fixture('forever.js')
    const registry = new ListSource()
    registry.add('a', a)
    const m = new ResourceMonitor({ registry })
    const { log } = record(m)
    m.setThreshold('a', { memoryBytes: 1024, durationMs: 0 })
    await m.collectOnce()
    expect(log).toEqual(['warning:a:memoryBytes', 'error:a:memoryBytes'])
    m.setThreshold('a', { memoryBytes: 1e12, durationMs: 0 })
    expect(log.at(-1)).toBe('resolved:a:memoryBytes:cleared')
    await m.collectOnce()
    expect(log).toHaveLength(3)
  })
})
