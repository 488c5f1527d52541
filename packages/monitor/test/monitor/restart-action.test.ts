import { join } from 'node:path'
import { Supervisor } from '@warden/core'
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

describe("action: 'restart'", () => {
  it('restarts a leaking agent through the Supervisor once per episode, on the tree memory', async () => {
    supervisor = new Supervisor()
    // 2 MB every 100 ms up to 160 MB: it crosses the line within a couple of seconds and stays over it.
    supervisor.add({
      id: 'leaky',
      command: process.execPath,
      args: [join(FIXTURES, 'leak-memory.js'), '2', '100', '160'],
      restart: 'never',
    })
    const started = await supervisor.start('leaky')
    expect(started.status).toBe('running')
    const firstPid = started.pid

    const monitor = new ResourceMonitor({
      registry: supervisor.registry,
      supervisor,
      includeChildren: true,
      intervalMs: 150,
    })
    await monitor.collectOnce()
    const rss0 = monitor.latest('leaky')!.memoryRss
    const line = rss0 + 16 * 1024 * 1024
    // repeatMs: reminders keep coming while the old process is stopped; none of them restarts again.
    monitor.setThreshold('leaky', { memoryBytes: line, durationMs: 300, repeatMs: 150, action: 'restart' })
    const errors: ThresholdAlert[] = []
    const resolved: ThresholdResolved[] = []
    const restarts: RestartEvent[] = []
    monitor.on('threshold:error', (a) => errors.push(a))
    monitor.on('threshold:resolved', (r) => resolved.push(r))
    monitor.on('restart', (e) => restarts.push(e))
    monitor.start()
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
      await monitor.stop()
    }
    // stop() waited for any restart in flight: every restart asked for has been reported.
    expect(restarts.length).toBe(errors.filter((e) => e.restart).length)
  })
})
