import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { scanProcesses } from '../src/proc/scan.js'
import { parseStat, readStat } from '../src/proc/stat.js'
import { descendantsSync } from '../src/proc/tree.js'

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

describe('scanProcesses', () => {
  it('finds carriers of an environment entry and members of a session, never older processes', async () => {
    const value = `v${process.pid}-${Date.now()}`
    const child = spawn('sleep', ['30'], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, WARDEN_SCAN_TEST: value },
    })
    try {
      await new Promise((r) => child.once('spawn', r))
      const ticks = readStat(child.pid!)!.startTicks
      const me = { pid: child.pid!, startTicks: ticks }
      const [byEnv, byOtherValue, bySession, tooOld] = scanProcesses([
        { envEntry: `WARDEN_SCAN_TEST=${value}` },
        { envEntry: `WARDEN_SCAN_TEST=${value}x` },
        { group: child.pid! },
        { envEntry: `WARDEN_SCAN_TEST=${value}`, group: child.pid!, sinceTicks: ticks + 1 },
      ])
      expect(byEnv).toEqual({ matches: [me], groupHeld: false })
      expect(byOtherValue!.matches).toEqual([])
      expect(bySession).toEqual({ matches: [me], groupHeld: true })
      expect(tooOld).toEqual({ matches: [], groupHeld: false })
    } finally {
      child.kill('SIGKILL')
    }
  })
})
