import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { describe, expect, it } from 'vitest'
import { CpuCollector } from '../../src/collectors/cpu.js'
import { openFds } from '../helpers/processes.js'

describe('CpuCollector (real /proc)', () => {
  it('has no usage on the first reading, then usage in [0, 100] in total, per mode and per core', () => {
    const cpu = new CpuCollector()
    try {
      const first = cpu.collect()
      expect(first.usagePercent).toBeNull()
      expect(first.modes).toBeNull()
      expect(first.cores).toBe(availableParallelism())
      expect(first.perCore.every((c) => c.usagePercent === null)).toBe(true)
      // Burn cpu until the kernel has counted some ticks (USER_HZ) since the first reading.
      const firstTotal = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0]
      while (readFileSync('/proc/stat', 'latin1').split('\n', 1)[0] === firstTotal);
      const second = cpu.collect()
      expect(second.usagePercent).toBeGreaterThanOrEqual(0)
      expect(second.usagePercent).toBeLessThanOrEqual(100)
      const sum = Object.values(second.modes!).reduce((a, b) => a + b, 0)
      expect(sum).toBeCloseTo(100)
      expect(second.perCore.map((c) => c.cpu)).toEqual(first.perCore.map((c) => c.cpu))
      expect(second.load.one).toBeGreaterThanOrEqual(0)
    } finally {
      cpu.close()
    }
  })

  it('reads pressure when /proc/pressure exists, null per resource otherwise', () => {
    const cpu = new CpuCollector()
    const data = cpu.collect()
    cpu.close()
    for (const resource of ['cpu', 'memory', 'io'] as const) {
      const p = data.pressure[resource]
      if (p !== null) expect(p.some.totalUs).toBeGreaterThanOrEqual(0)
    }
  })

  it('keeps its /proc fds open between readings and releases them on close', () => {
    const before = openFds()
    const cpu = new CpuCollector()
    cpu.collect()
    expect(openFds()).toBeGreaterThan(before)
    cpu.collect()
    cpu.close()
    expect(openFds()).toBe(before)
    expect(cpu.collect().usagePercent).toBeNull()
    cpu.close()
  })
})
