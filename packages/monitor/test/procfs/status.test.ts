import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseStatus, readStatusPath } from '../../src/procfs/status.js'

const field = (text: string, key: string): number =>
  Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1])

describe('status', () => {
  it('parses VmRSS, VmSize, VmSwap (kB → bytes) and Threads like a line-by-line reading', () => {
    const text = readFileSync('/proc/self/status', 'latin1')
    const status = parseStatus(text)
    expect(status).toEqual({
      rssBytes: field(text, 'VmRSS') * 1024,
      vmsBytes: field(text, 'VmSize') * 1024,
      swapBytes: field(text, 'VmSwap') * 1024,
      threads: field(text, 'Threads'),
    })
    expect(status?.threads).toBeGreaterThan(1)
  })

  it('gives 0 memory for a kernel thread (no Vm lines), not undefined', () => {
    expect(parseStatus('Name:\tkthreadd\nState:\tS (sleeping)\nThreads:\t1\nSigQ:\t0/1\n')).toEqual({
      rssBytes: 0,
      vmsBytes: 0,
      swapBytes: 0,
      threads: 1,
    })
  })

  it('rejects text that is not a status file', () => {
    expect(parseStatus('')).toBeUndefined()
    expect(parseStatus('VmRSS:\t12 kB\n')).toBeUndefined()
  })

  it('does not pick up stale bytes of an earlier, longer read', () => {
    // Fill the shared buffer with a long status, then parse a short one that lacks VmSwap.
    readStatusPath(process.pid)
    expect(parseStatus('VmSize:\t8 kB\nVmRSS:\t4 kB\nThreads:\t3\n')).toEqual({
      rssBytes: 4096,
      vmsBytes: 8192,
      swapBytes: 0,
      threads: 3,
    })
  })

  it('throws ENOENT by path for a pid that does not exist', () => {
    expect(() => readStatusPath(2 ** 30)).toThrow(expect.objectContaining({ code: 'ENOENT' }))
  })
})
