import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { readStat } from '@warden/utils'
import { afterEach, describe, expect, it } from 'vitest'
import {
  AdoptRefusedError,
  InvalidOptionError,
  NotStartableError,
  ProcessNotFoundError,
  Supervisor,
} from '../../src/index.js'
import { nodeSpec, record } from '../helpers.js'

let sup: Supervisor
const outsiders: ChildProcess[] = []
afterEach(async () => {
  await sup.shutdown()
  for (const c of outsiders.splice(0)) c.kill('SIGKILL')
})

/** A process of its own session and group, as adopt() requires (one of ours is refused). */
function outsider(detached = true): Promise<ChildProcess & { pid: number }> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore', detached })
  outsiders.push(child)
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child as ChildProcess & { pid: number }))
    child.once('error', reject)
  })
}

describe('adopt', () => {
  it('adopts a running process by pid + start ticks and detects its exit by polling', async () => {
    sup = new Supervisor({ cgroupParent: null, adoptPollIntervalMs: 20 })
    const events = record(sup)
    const child = await outsider()
    const info = sup.adopt({ id: 'adopted', pid: child.pid, type: 'sleeper' })
    expect(info).toMatchObject({
      status: 'running',
      pid: child.pid,
      startTicks: readStat(child.pid)!.startTicks,
      adopted: true,
      type: 'sleeper',
    })
    expect(Math.abs(info.startTime! - Date.now())).toBeLessThan(60_000)
    child.kill('SIGKILL')
    const exited = await sup.waitFor('adopted', 'exited', { timeoutMs: 10_000 })
    expect(exited).toMatchObject({ pid: null, startTicks: null, lastExit: { code: null, signal: null } })
    expect(events.filter((e) => e.name === 'agent:exit')).toHaveLength(1)
    expect(events.filter((e) => e.name === 'agent:restart')).toHaveLength(0)
  })

  it('a pid now owned by another process (start ticks differ) is exited, never running', async () => {
    sup = new Supervisor({ cgroupParent: null, adoptPollIntervalMs: 20 })
    const statuses: string[] = []
    sup.on('agent:status', (e) => statuses.push(e.to))
    const other = await outsider()
    const real = readStat(other.pid)!.startTicks
    const info = sup.adopt({ id: 'reused', pid: other.pid, startTicks: real + 1 })
    expect(info.status).toBe('exited')
    expect(info.pid).toBeNull()
    expect(statuses).not.toContain('running')
    // The stranger is untouched by stop()/shutdown().
    await sup.stop('reused')
    expect(readStat(other.pid)?.startTicks).toBe(real)
  })

  it('stops an adopted process', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const child = await outsider()
    const exit = new Promise<number | null>((r) => child.once('exit', (_c, s) => r(s === 'SIGTERM' ? 1 : 0)))
    sup.adopt({ id: 'a', pid: child.pid })
    const info = await sup.stop('a')
    expect(info.status).toBe('stopped')
    expect(await exit).toBe(1)
  })

  it('restarts an adopted process with a spec once it exits (restart: always)', async () => {
    sup = new Supervisor({ cgroupParent: null, adoptPollIntervalMs: 20 })
    const child = await outsider()
    const { command, args, backoff } = nodeSpec('x', 'forever.js')
    sup.adopt({ id: 'a2', pid: child.pid, spec: { command, args, backoff, restart: 'always' } })
    const restart = new Promise((r) => sup.once('agent:restart', r))
    child.kill('SIGKILL')
    await restart
    const info = await sup.waitFor('a2', 'running', { timeoutMs: 10_000 })
    expect(info.adopted).toBe(false)
    expect(info.pid).not.toBe(child.pid)
  })

  it('restart() of an adopted agent without a command is refused before anything is stopped', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const child = await outsider()
    const ticks = readStat(child.pid)!.startTicks
    sup.adopt({ id: 'keep', pid: child.pid })
    await expect(sup.restart('keep')).rejects.toThrow(NotStartableError)
    await expect(sup.start('keep')).rejects.toThrow(NotStartableError)
    expect(readStat(child.pid)?.startTicks).toBe(ticks)
    expect(sup.get('keep')!.status).toBe('running')
  })

  it('validates adopt() and stop() options', async () => {
    sup = new Supervisor({ cgroupParent: null })
    expect(() => sup.adopt({ id: 'x' } as never)).toThrow(
      'Expected `pid` to be a positive integer, got undefined',
    )
    expect(() => sup.adopt({ id: 'x', pid: -3 })).toThrow(InvalidOptionError)
    const child = await outsider()
    sup.adopt({ id: 'y', pid: child.pid })
    await expect(sup.stop('y', { signal: 'SIGWHAT' as NodeJS.Signals })).rejects.toThrow('`signal`')
    await expect(sup.stop('y', { timeoutMs: -1 })).rejects.toThrow('`timeoutMs`')
    expect(sup.get('y')!.status).toBe('running')
  })

  it('rejects a pid that does not exist', () => {
    sup = new Supervisor({ cgroupParent: null })
    expect(() => sup.adopt({ id: 'ghost', pid: 2 ** 22 + 12345 })).toThrow(ProcessNotFoundError)
  })
})

/** A kernel thread visible here (a child of kthreadd), if this PID namespace shows any. */
function kernelThread(): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    if (readStat(Number(name))?.ppid === 2) return Number(name)
  }
  return undefined
}

function hasPython(): boolean {
  try {
    execFileSync('python3', ['-c', ''], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

describe('adopt() refuses processes it must never signal', () => {
  // Never stopped or shut down: should a regression accept one of these, the test fails without
  // the teardown signalling init, the test runner or the whole host.
  const guard = new Supervisor({ cgroupParent: null })
  const refused = (pid: number, reason: string): void => {
    expect(() => guard.adopt({ id: 'x', pid })).toThrow(AdoptRefusedError)
    expect(() => guard.adopt({ id: 'x', pid })).toThrow(
      expect.objectContaining({ code: 'ERR_CORE_ADOPT_REFUSED', pid, reason }),
    )
    expect(guard.get('x')).toBeUndefined()
  }

  it('init, the supervisor itself and its ancestors', () => {
    sup = new Supervisor({ cgroupParent: null })
    refused(1, 'init')
    refused(process.pid, 'self')
    refused(process.ppid, 'ancestor')
    let ancestor = readStat(process.ppid)?.ppid
    while (ancestor !== undefined && ancestor > 1) {
      refused(ancestor, 'ancestor')
      ancestor = readStat(ancestor)?.ppid
    }
  })

  it.skipIf(kernelThread() === undefined)(
    'kernel threads (no kernel thread visible in this PID namespace)',
    () => {
      sup = new Supervisor({ cgroupParent: null })
      refused(2, 'kernel-thread')
      refused(kernelThread()!, 'kernel-thread')
    },
  )

  it("a child in the supervisor's process group is refused; a detached one is accepted", async () => {
    sup = new Supervisor({ cgroupParent: null })
    const inGroup = await outsider(false)
    expect(readStat(inGroup.pid)!.pgrp).toBe(readStat(process.pid)!.pgrp)
    refused(inGroup.pid, 'same-group')
    const detached = await outsider(true)
    expect(sup.adopt({ id: 'ok', pid: detached.pid }).status).toBe('running')
    expect((await sup.stop('ok')).status).toBe('stopped')
    // The refused one was never signalled.
    expect(readStat(inGroup.pid)?.state).not.toBe('Z')
  })

  it.skipIf(!hasPython())(
    "a process in the supervisor's session but its own group is refused (needs python3 for setpgid)",
    async () => {
      sup = new Supervisor({ cgroupParent: null })
      const child = spawn(
        'python3',
        ['-c', 'import os, time; os.setpgid(0, 0); print("ok", flush=True); time.sleep(60)'],
        {
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      )
      outsiders.push(child)
      await new Promise((resolve) => child.stdout!.once('data', resolve))
      const stat = readStat(child.pid!)!
      expect(stat.pgrp).toBe(child.pid)
      expect(stat.session).toBe(readStat(process.pid)!.session)
      refused(child.pid!, 'same-session')
    },
  )
})
