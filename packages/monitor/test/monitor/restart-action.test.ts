import { join } from 'node:path'
import { Supervisor } from '@warden/core'
import { descendantsSync } from '@warden/utils'
import { afterEach, describe, expect, it } from 'vitest'
import {
  ResourceMonitor,
  type RestartEvent,
  type ThresholdAlert,
  type ThresholdResolved,
} from '../../src/index.js'
import { FIXTURES, until } from '../helpers/processes.js'

let supervisor: Supervisor | undefined
afterEach(async () => {
  await supervisor?.shutdown()
  supervisor = undefined
})

/** An idle parent whose child leaks 2 MB every 100 ms up to 160 MB: only the tree crosses the line. */
const parentOfLeak = `
  const { spawn } = require('node:child_process')
  spawn(process.execPath, [${JSON.stringify(join(FIXTURES, 'leak-memory.js'))}, '2', '100', '160'], { stdio: 'ignore' })
  setInterval(() => {}, 1 << 30)
`

describe("action: 'restart'", () => {
  it('restarts a leaking agent through the Supervisor once per episode, judged on the tree memory', async () => {
    supervisor = new Supervisor({ cgroupParent: null })
    supervisor.add({ id: 'leaky', command: process.execPath, args: ['-e', parentOfLeak], restart: 'never' })
    const started = await supervisor.start('leaky')
    expect(started.status).toBe('running')
    const firstPid = started.pid!
    await until(() => descendantsSync(firstPid).length === 1, 10_000, 'the leaking child')

    const tree = new ResourceMonitor({
      registry: supervisor.registry,
      supervisor,
      includeChildren: true,
      intervalMs: 150,
    })
    // The same line on the root process alone: never crossed, so never restarted.
    const rootOnly = new ResourceMonitor({ registry: supervisor.registry, supervisor, intervalMs: 150 })
    await Promise.all([tree.collectOnce(), rootOnly.collectOnce()])
    expect(tree.latest('leaky')!.processes).toBe(2)
    const line = tree.latest('leaky')!.memoryRss + 16 * 1024 * 1024
    expect(rootOnly.latest('leaky')!.memoryRss).toBeLessThan(line - 16 * 1024 * 1024)
    // repeatMs: reminders keep coming while the old process is stopped; none of them restarts again.
    const threshold = { memoryBytes: line, durationMs: 300, repeatMs: 150, action: 'restart' as const }
    tree.setThreshold('leaky', threshold)
    rootOnly.setThreshold('leaky', threshold)
    const errors: ThresholdAlert[] = []
    const resolved: ThresholdResolved[] = []
    const restarts: RestartEvent[] = []
    const rootOnlyAlerts: ThresholdAlert[] = []
    tree.on('threshold:error', (a) => errors.push(a))
    tree.on('threshold:resolved', (r) => resolved.push(r))
    tree.on('restart', (e) => restarts.push(e))
    rootOnly.on('threshold:warning', (a) => rootOnlyAlerts.push(a))
    tree.start()
    rootOnly.start()
    try {
      const restart = await until(() => restarts[0], 20_000, 'the restart event')
      const first = errors.find((e) => e.restart)!
      expect(restart).toMatchObject({ agentId: 'leaky', alert: first })
      expect(first).toMatchObject({ resource: 'memoryBytes', threshold: line, durationMs: 300, repeat: 0 })
      expect(first.value).toBeGreaterThan(line)
      expect(first.exceededForMs).toBeGreaterThanOrEqual(300)
      const info = supervisor.get('leaky')!
      expect(info.pid).not.toBe(firstPid)
      expect(info.restartCount).toBeGreaterThanOrEqual(1)
      // The old process's episode ended as gone once the agent had a new process, not as a recovery.
      const ended = await until(
        () => resolved.find((r) => r.since === first.since),
        10_000,
        'the episode end',
      )
      expect(ended).toMatchObject({ reason: 'gone', fired: true })
      // Exactly one restart for that episode, whatever the reminders.
      expect(errors.filter((e) => e.since === first.since && e.restart)).toHaveLength(1)
    } finally {
      await Promise.all([tree.stop(), rootOnly.stop()])
    }
    // stop() waited for any restart in flight: every restart asked for has been reported.
    expect(restarts.length).toBe(errors.filter((e) => e.restart).length)
    expect(rootOnlyAlerts).toEqual([])
  })
})
