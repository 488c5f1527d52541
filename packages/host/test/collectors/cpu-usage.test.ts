import { describe, expect, it } from 'vitest'
import { cpuUsage } from '../../src/collectors/cpu-usage.js'
import type { CpuTimes } from '../../src/procfs/stat.js'

const times = (t: Partial<CpuTimes>): CpuTimes => ({
  user: 0,
  nice: 0,
  system: 0,
  idle: 0,
  iowait: 0,
  irq: 0,
  softirq: 0,
  steal: 0,
  ...t,
})

describe('cpuUsage', () => {
  it('is busy time over all time, per mode too', () => {
    const u = cpuUsage(
      times({ user: 100, idle: 100 }),
      times({ user: 130, system: 10, idle: 150, iowait: 10 }),
    )!
    expect(u.usagePercent).toBeCloseTo(40)
    expect(u.modes.user).toBeCloseTo(30)
    expect(u.modes.idle).toBeCloseTo(50)
    expect(u.modes.iowait).toBeCloseTo(10)
  })

  it('clamps a counter that went back (iowait does) to 0: never negative, never over 100', () => {
    const u = cpuUsage(
      times({ user: 100, idle: 100, iowait: 50 }),
      times({ user: 150, idle: 150, iowait: 40 }),
    )!
    expect(u.modes.iowait).toBe(0)
    expect(u.usagePercent).toBeCloseTo(50)
    for (const value of Object.values(u.modes)) expect(value).toBeGreaterThanOrEqual(0)
    const allBack = cpuUsage(times({ user: 100, idle: 100 }), times({ user: 90, idle: 90 }))
    expect(allBack).toBeNull()
  })

  it('is null when no time passed', () => {
    expect(cpuUsage(times({ user: 5 }), times({ user: 5 }))).toBeNull()
  })
})
