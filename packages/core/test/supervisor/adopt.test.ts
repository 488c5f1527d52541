import { type ChildProcess, spawn } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import {
  InvalidOptionError,
  NotStartableError,
  ProcessNotFoundError,
  readStat,
  Supervisor,
} from '../../src/index.js'
import { nodeSpec, record } from '../helpers.js'

let sup: Supervisor
const outsiders: ChildProcess[] = []
afterEach(async () => {
  await sup.shutdown()
  for (const c of outsiders.splice(0)) c.kill('SIGKILL')
})

function outsider(): Promise<ChildProcess & { pid: number }> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' })
  outsiders.push(child)
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child as ChildProcess & { pid: number }))
    child.once('error', reject)
  })
}

describe('adopt', () => {
  it('adopts a running process by pid + start ticks and detects its exit by polling', async () => {
    sup = new Supervisor({ adoptPollIntervalMs: 20 })
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
    sup = new Supervisor({ adoptPollIntervalMs: 20 })
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
    sup = new Supervisor()
    const child = await outsider()
    const exit = new Promise<number | null>((r) => child.once('exit', (_c, s) => r(s === 'SIGTERM' ? 1 : 0)))
    sup.adopt({ id: 'a', pid: child.pid })
    const info = await sup.stop('a')
    expect(info.status).toBe('stopped')
    expect(await exit).toBe(1)
  })

  it('restarts an adopted process with a spec once it exits (restart: always)', async () => {
    sup = new Supervisor({ adoptPollIntervalMs: 20 })
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
    sup = new Supervisor()
    const child = await outsider()
    const ticks = readStat(child.pid)!.startTicks
    sup.adopt({ id: 'keep', pid: child.pid })
    await expect(sup.restart('keep')).rejects.toThrow(NotStartableError)
    await expect(sup.start('keep')).rejects.toThrow(NotStartableError)
    expect(readStat(child.pid)?.startTicks).toBe(ticks)
    expect(sup.get('keep')!.status).toBe('running')
  })

  it('validates adopt() and stop() options', async () => {
    sup = new Supervisor()
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
    sup = new Supervisor()
    expect(() => sup.adopt({ id: 'ghost', pid: 2 ** 22 + 12345 })).toThrow(ProcessNotFoundError)
  })
})
