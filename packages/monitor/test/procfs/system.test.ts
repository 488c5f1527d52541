import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { clockTicksPerSecond, monotonicMs, openFilesSoftLimit, pageSize } from '../../src/procfs/system.js'

describe('system constants', () => {
  it('reads CLK_TCK and the page size from getconf', () => {
    expect(clockTicksPerSecond()).toBe(Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })))
    expect(pageSize()).toBe(Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' })))
  })

  it('reads the soft open-files limit from /proc/self/limits', () => {
    const line = readFileSync('/proc/self/limits', 'latin1')
      .split('\n')
      .find((l) => l.startsWith('Max open files'))!
    const soft = line.split(/\s{2,}/)[1]!
    expect(openFilesSoftLimit()).toBe(soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft))
  })

  it('has a monotonic clock', () => {
    const a = monotonicMs()
    const b = monotonicMs()
    expect(b).toBeGreaterThanOrEqual(a)
  })
})
