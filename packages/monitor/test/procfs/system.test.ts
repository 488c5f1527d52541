import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { clockTicksPerSecond, monotonicMs, pageSize } from '../../src/procfs/system.js'

describe('system constants', () => {
  it('reads CLK_TCK and the page size from getconf', () => {
    expect(clockTicksPerSecond()).toBe(Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })))
    expect(pageSize()).toBe(Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' })))
  })

  it('has a monotonic clock', () => {
    const a = monotonicMs()
    const b = monotonicMs()
    expect(b).toBeGreaterThanOrEqual(a)
  })
})
