import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import {
  clockTicksPerSecond,
  descendantsSync,
  isExited,
  parseStat,
  readStat,
  startTicksOf,
} from '../../src/index.js'

describe('parseStat', () => {
  it('reads fields after the last parenthesis', () => {
    const s = parseStat(
      '42 (a b) (c) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 5 0 12345 1000000 250 18446744073709551615',
    )
    expect(s).toMatchObject({
      pid: 42,
      comm: 'a b) (c',
      state: 'S',
      ppid: 1,
      utime: 7,
      stime: 3,
      numThreads: 5,
      startTicks: 12345,
      vsize: 1000000,
      rssPages: 250,
    })
  })
  it('rejects garbage', () => {
    expect(parseStat('nonsense')).toBeUndefined()
  })
})

describe('readStat / descendantsSync', () => {
  it('sees a real child and its start ticks', async () => {
    const child = spawn('sleep', ['30'])
    try {
      await new Promise((r) => child.once('spawn', r))
      const s = readStat(child.pid!)
      expect(s?.ppid).toBe(process.pid)
      expect(s?.startTicks).toBeGreaterThan(0)
      expect(descendantsSync(process.pid)).toContain(child.pid)
    } finally {
      child.kill('SIGKILL')
    }
  })
})

describe('liveness and clock ticks', () => {
  it("isExited is true for Z and X only; startTicksOf is this process's start ticks and undefined for a pid that does not exist", () => {
    expect(['Z', 'X'].map((state) => isExited({ state }))).toEqual([true, true])
    expect(['R', 'S', 'D', 'T', 'I'].some((state) => isExited({ state }))).toBe(false)
    expect(startTicksOf(process.pid)).toBe(readStat(process.pid)!.startTicks)
    expect(startTicksOf(2 ** 22 + 1)).toBeUndefined()
  })

  it('clockTicksPerSecond is asked of the system (getconf CLK_TCK), and is stable', () => {
    const hz = clockTicksPerSecond()
    expect(Number.isInteger(hz) && hz > 0).toBe(true)
    expect(clockTicksPerSecond()).toBe(hz)
  })
})
