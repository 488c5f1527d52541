import { spawn } from 'node:child_process'
import { readStat } from '@warden/utils'
import { describe, expect, it } from 'vitest'
import { scanProcesses } from '../src/proc/scan.js'

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
