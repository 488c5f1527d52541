import { afterEach, describe, expect, it } from 'vitest'
import { ResourceMonitor, type ThresholdAlert, type ThresholdResolved } from '../../src/index.js'
import { ListSource, Processes, until } from '../helpers/processes.js'

const procs = new Processes()
afterEach(() => procs.killAll())

describe('ResourceMonitor end to end', () => {
  it('a CPU burner raises warning, then error after durationMs, then resolved when it stops burning', async () => {
    const [burner, idle] = await Promise.all([procs.fixture('burn-cpu.js'), procs.fixture('forever.js')])
    const registry = new ListSource()
    registry.add('burner', burner)
    registry.add('idle', idle)
    const m = new ResourceMonitor({
      registry,
      intervalMs: 200,
      defaultThreshold: { cpuPercent: 30, durationMs: 600 },
    })
    const events: (ThresholdAlert | ThresholdResolved)[] = []
    m.on('threshold:warning', (a) => events.push(a))
    m.on('threshold:error', (a) => events.push(a))
    m.on('threshold:resolved', (a) => events.push(a))
    m.start()
    try {
      const error = await until(() => events.find((e) => e.level === 'error'), 15_000, 'threshold:error')
      // On a busy machine the burner may dip under the line once: look at the episode that fired.
      const episode = events.filter((e) => e.since === error.since)
      const warning = episode.find((e) => e.level === 'warning')!
      expect(events.indexOf(warning)).toBeLessThan(events.indexOf(error))
      expect(warning).toMatchObject({
        agentId: 'burner',
        resource: 'cpuPercent',
        threshold: 30,
        exceededForMs: 0,
      })
      expect(warning.value).toBeGreaterThan(30)
      expect(error).toMatchObject({ agentId: 'burner', since: warning.since, durationMs: 600, repeat: 0 })
      expect(error.exceededForMs).toBeGreaterThanOrEqual(600)
      expect(error.at - error.since).toBe(error.exceededForMs)
      expect(episode.filter((e) => e.level === 'error')).toHaveLength(1) // no repeatMs: once

      // Freeze the burner: its CPU drops to 0 and the episode resolves as a recovery.
      burner.kill('SIGSTOP')
      const resolved = await until(
        () => events.find((e): e is ThresholdResolved => e.level === 'resolved' && e.since === error.since),
        15_000,
        'threshold:resolved',
      )
      expect(resolved).toMatchObject({
        agentId: 'burner',
        reason: 'recovered',
        fired: true,
        since: warning.since,
      })
      expect(resolved.value).toBeLessThanOrEqual(30)
      expect(events.every((e) => e.agentId === 'burner')).toBe(true)
    } finally {
      await m.stop()
      burner.kill('SIGCONT')
    }
  })
})
