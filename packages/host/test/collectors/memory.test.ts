import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { MemoryCollector } from '../../src/collectors/memory.js'
import { parseMeminfo } from '../../src/procfs/meminfo.js'

describe('MemoryCollector (real /proc/meminfo)', () => {
  it('used = MemTotal − MemAvailable, in bytes', () => {
    const memory = new MemoryCollector()
    const data = memory.collect()
    memory.close()
    const kb = (name: string): number =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/meminfo', 'latin1'))![1]) *
      1024
    expect(data.totalBytes).toBe(kb('MemTotal'))
    expect(data.usedBytes).toBe(data.totalBytes - data.availableBytes)
    expect(data.usedPercent).toBeCloseTo((data.usedBytes / data.totalBytes) * 100)
    expect(data.swapTotalBytes).toBe(kb('SwapTotal'))
    if (data.swapTotalBytes === 0) expect(data.swapUsedPercent).toBeNull()
  })
})

describe('parseMeminfo', () => {
  it('turns kB into bytes and keeps fields without a unit as they are', () => {
    const m = parseMeminfo(
      'MemTotal:       1000 kB\nMemAvailable:    400 kB\nHugePages_Total:       0\nActive(anon):     10 kB\n',
    )
    expect(m.get('MemTotal')).toBe(1_024_000)
    expect(m.get('HugePages_Total')).toBe(0)
    expect(m.get('Active(anon)')).toBe(10_240)
  })
})
