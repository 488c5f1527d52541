import { readStat } from '@warden/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { ResourceMonitor, type ThresholdAlert, type ThresholdResolved } from '../../src/index.js'
import { ListSource, Processes, until } from '../helpers/processes.js'

const procs = new Processes()
afterEach(() => procs.killAll())

/** Real time for the sampler's CPU measurement window (not synchronisation). */
const measure = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('alert timeline through the monitor, real process, injected clock', () => {
  it('warning at t0, error at t0 + durationMs, reminders every repeatMs, recovered, then gone', async () => {
    const burner = await procs.fixture('burn-cpu.js')
    const registry = new ListSource()
    registry.add('burner', burner)
    const T = 1_900_000_000_000
    let now = T
    const m = new ResourceMonitor({
      registry,
      clock: () => now,
      // A low line: on a loaded 2-core machine the burner may get far less than a core, never under 3 %.
      defaultThreshold: { cpuPercent: 3, durationMs: 60_000, repeatMs: 30_000 },
    })
    const log: string[] = []
    const events: (ThresholdAlert | ThresholdResolved)[] = []
    const on = (e: ThresholdAlert | ThresholdResolved) => {
      events.push(e)
      log.push(`${e.at - T}:${e.level}${e.level === 'resolved' ? `:${e.reason}` : ''}`)
    }
    m.on('threshold:warning', on)
    m.on('threshold:error', on)
    m.on('threshold:resolved', on)
    const tick = async (at: number, windowMs = 150) => {
      now = T + at
      await measure(windowMs)
      return m.collectOnce()
    }

    await tick(0) // first sample of the process: cpu null, nothing to judge
    expect(log).toEqual([])
    await tick(10_000)
    expect(log).toEqual(['10000:warning'])
    await tick(40_000)
    await tick(69_999)
    expect(log).toEqual(['10000:warning']) // 59.999 s over the line < durationMs
    await tick(70_000)
    await tick(90_000)
    await tick(100_000)
    await tick(130_000)
    expect(log).toEqual(['10000:warning', '70000:error', '100000:error', '130000:error'])
    expect(events.slice(1).map((e) => (e as ThresholdAlert).repeat)).toEqual([0, 1, 2])
    expect(events.every((e) => e.since === T + 10_000)).toBe(true)

    // Freeze the burner right after a sample: the next window sees (almost) no CPU.
    burner.kill('SIGSTOP')
    await until(() => readStat(burner.pid!)?.state === 'T', 5000, 'the burner to stop')
    await tick(140_000, 600) // a long window: the few ms it ran before stopping stay far under 3 %
    expect(log.at(-1)).toBe('140000:resolved:recovered')
    expect(events.at(-1)).toMatchObject({ fired: true, exceededForMs: 130_000, since: T + 10_000 })
    expect((events.at(-1) as ThresholdResolved).value).toBeLessThanOrEqual(3)

    burner.kill('SIGCONT')
    await tick(150_000)
    expect(log.at(-1)).toBe('150000:warning') // a new episode
    await procs.kill(burner)
    await tick(160_000)
    expect(log.at(-1)).toBe('160000:resolved:gone')
    expect(events.at(-1)).toMatchObject({ since: T + 150_000, fired: false, value: null })
    await tick(170_000)
    expect(log).toHaveLength(7) // nothing resolves twice
  })
})
