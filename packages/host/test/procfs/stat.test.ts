import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { describe, expect, it } from 'vitest'
import { ParseError } from '../../src/index.js'
import { parseProcStat } from '../../src/procfs/stat.js'

describe('parseProcStat', () => {
  it('reads the total and one line per online cpu of the real /proc/stat', () => {
    const cpus = parseProcStat(readFileSync('/proc/stat', 'latin1'))
    expect(cpus.cores.size).toBe(availableParallelism())
    expect(cpus.total.user).toBeGreaterThan(0)
    expect(cpus.total.idle).toBeGreaterThan(0)
  })

  it('stops at the first non-cpu line, reads missing fields of old kernels as 0, and keys cores by number', () => {
    const text = 'cpu  10 1 5 100 2 0 1\ncpu0 5 1 2 50 1 0 0\ncpu3 5 0 3 50 1 0 1 7\nintr 123 4 5\n'
    const cpus = parseProcStat(text)
    expect(cpus.total).toEqual({
      user: 10,
      nice: 1,
      system: 5,
      idle: 100,
      iowait: 2,
      irq: 0,
      softirq: 1,
      steal: 0,
    })
    expect([...cpus.cores.keys()]).toEqual([0, 3])
    expect(cpus.cores.get(3)!.steal).toBe(7)
  })

  it('rejects text without a cpu line', () => {
    expect(() => parseProcStat('intr 1\n')).toThrow(ParseError)
  })
})
