import { Supervisor } from '@warden/core'
import { readStat } from '@warden/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { ResourceMonitor } from '../../src/index.js'
import { fixturePath } from '../helpers/processes.js'

let supervisor: Supervisor | undefined
afterEach(async () => {
  await supervisor?.shutdown()
  supervisor = undefined
})

describe('snapshot() and the latest point of the current process', () => {
  it('joins status, pid, uptime, restarts, last exit, the latest point with its process, and open alerts; a restart never shows the old process’s point as current', async () => {
    supervisor = new Supervisor({ cgroupParent: null })
    supervisor.add({ id: 'idle', command: process.execPath, args: [fixturePath('forever.js')] })
    supervisor.add({
      id: 'off',
      command: process.execPath,
      args: ['-e', 'process.exit(3)'],
      restart: 'never',
    })
    const first = await supervisor.start('idle')
    await supervisor.start('off')
    await supervisor.waitFor('off', 'exited', { timeoutMs: 10_000 })
    // Any RSS is over a 1-byte line: an open warning episode, no error within the hour.
    const monitor = new ResourceMonitor({
      registry: supervisor.registry,
      defaultThreshold: { memoryBytes: 1, durationMs: 3_600_000 },
    })
    await monitor.collectOnce()

    const snap = monitor.snapshot()
    expect(snap.agents.map((a) => a.id)).toEqual(['idle', 'off'])
    const idle = snap.agents[0]!
    expect(idle).toMatchObject({
      status: 'running',
      pid: first.pid,
      startTicks: readStat(first.pid!)!.startTicks,
      restartCount: 0,
      lastExit: null,
    })
    expect(idle.uptimeMs).toBeGreaterThanOrEqual(0)
    expect(idle.uptimeMs).toBe(snap.at - first.startTime!)
    expect(idle.latest).toMatchObject({ pid: first.pid, startTicks: first.startTicks })
    expect(idle.latest!.point.memoryRss).toBeGreaterThan(0)
    expect(idle.alerts).toEqual([
      expect.objectContaining({ agentId: 'idle', resource: 'memoryBytes', level: 'warning', threshold: 1 }),
    ])
    expect(monitor.openAlerts('idle')).toEqual(idle.alerts)
    const off = snap.agents[1]!
    expect(off).toMatchObject({ status: 'exited', pid: null, uptimeMs: null, alerts: [] })
    expect(off.lastExit).toMatchObject({ code: 3, signal: null })

    // Restarted between ticks: the old process's point is no longer the agent's latest.
    const second = await supervisor.restart('idle')
    expect(second.pid).not.toBe(first.pid)
    expect(monitor.latest('idle')).toBeUndefined()
    expect(monitor.snapshot().agents[0]).toMatchObject({ pid: second.pid, restartCount: 1, latest: null })
    // latestSample still says which process the old point came from.
    expect(monitor.latestSample('idle')).toMatchObject({ pid: first.pid })

    await monitor.collectOnce()
    expect(monitor.latest('idle')).toBe(monitor.latestSample('idle')!.point)
    expect(monitor.snapshot().agents[0]!.latest).toMatchObject({
      pid: second.pid,
      startTicks: second.startTicks,
    })
  })
})
