import { randomUUID } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Supervisor } from '../../src/index.js'
import { nodeSpec, record, scanProc, supervisorPerTest, until } from '../helpers.js'

let sup: Supervisor
const tmp = supervisorPerTest(() => sup)

describe('restart policy', () => {
  it('grows delays ×factor up to maxMs, then goes fatal after the start limit', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const events = record(sup)
    sup.add(
      nodeSpec('crashy', 'crash-after.js', ['0', '3'], {
        backoff: { initialMs: 20, factor: 2, maxMs: 80 },
        startLimit: { burst: 6, intervalMs: 60_000 },
      }),
    )
    const fatal = new Promise((r) => sup.once('agent:fatal', r))
    await sup.start('crashy')
    expect(await fatal).toEqual({ id: 'crashy', reason: 'start-limit' })
    const delays = events.filter((e) => e.name === 'agent:backoff').map((e) => e.event.delayMs)
    expect(delays).toEqual([20, 40, 80, 80, 80])
    const attempts = events.filter((e) => e.name === 'agent:restart').map((e) => e.event.attempt)
    expect(attempts).toEqual([1, 2, 3, 4, 5])
    const exits = events.filter((e) => e.name === 'agent:exit')
    expect(exits).toHaveLength(6)
    expect(exits.every((e) => e.event.code === 3 && e.event.expected === false)).toBe(true)
    const info = sup.get('crashy')!
    expect(info).toMatchObject({
      status: 'fatal',
      pid: null,
      restartCount: 5,
      lastExit: { code: 3, signal: null },
    })
    // An explicit start resets the crash history.
    const again = await sup.start('crashy')
    expect(again.status === 'running' || again.status === 'backoff' || again.status === 'exited').toBe(true)
  })

  it('on-failure: exit 0 is not restarted', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const events = record(sup)
    sup.add(nodeSpec('ok', 'crash-after.js', ['0', '0']))
    await sup.start('ok')
    const info = await sup.waitFor('ok', ['exited', 'backoff'], { timeoutMs: 10_000 })
    expect(info.status).toBe('exited')
    expect(info.lastExit).toMatchObject({ code: 0, signal: null })
    expect(events.filter((e) => e.name === 'agent:restart')).toHaveLength(0)
  })

  it('always: exit 0 is restarted', async () => {
    sup = new Supervisor({ cgroupParent: null })
    sup.add(nodeSpec('always', 'crash-after.js', ['0', '0'], { restart: 'always' }))
    const restarted = new Promise((r) => sup.once('agent:restart', r))
    await sup.start('always')
    expect(await restarted).toMatchObject({ id: 'always', attempt: 1, delayMs: 20 })
    await sup.waitFor('always', 'running', { timeoutMs: 10_000 })
    expect(sup.get('always')!.restartCount).toBeGreaterThanOrEqual(1)
  })

  it('never: a crash stays exited', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const events = record(sup)
    sup.add(nodeSpec('never', 'crash-after.js', ['0', '1'], { restart: 'never' }))
    await sup.start('never')
    const info = await sup.waitFor('never', 'exited', { timeoutMs: 10_000 })
    expect(info.lastExit?.code).toBe(1)
    expect(events.filter((e) => e.name === 'agent:backoff')).toHaveLength(0)
  })

  it('resets the backoff once the agent stayed up minUptimeMs', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const events = record(sup)
    sup.add(
      nodeSpec('slow', 'crash-after.js', ['150', '1'], {
        minUptimeMs: 50,
        backoff: { initialMs: 20, factor: 2, maxMs: 1000 },
      }),
    )
    await sup.start('slow')
    await new Promise<void>((resolve) => {
      const on = (): void => {
        if (events.filter((e) => e.name === 'agent:backoff').length < 3) return
        sup.off('agent:backoff', on)
        resolve()
      }
      sup.on('agent:backoff', on)
    })
    const delays = events.filter((e) => e.name === 'agent:backoff').map((e) => e.event.delayMs)
    expect(delays.slice(0, 3)).toEqual([20, 20, 20])
  })

  it('stop() during backoff cancels the pending restart', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const events = record(sup)
    sup.add(nodeSpec('b', 'crash-after.js', ['0', '1'], { backoff: { initialMs: 5000, maxMs: 5000 } }))
    const backoff = new Promise((r) => sup.once('agent:backoff', r))
    await sup.start('b')
    await backoff
    expect(sup.get('b')!.status).toBe('backoff')
    const info = await sup.stop('b')
    expect(info.status).toBe('stopped')
    expect(events.filter((e) => e.name === 'agent:restart')).toHaveLength(0)
  })

  it('restart() stops and starts again with a new pid', async () => {
    sup = new Supervisor({ cgroupParent: null })
    sup.add(nodeSpec('r', 'forever.js'))
    const first = await sup.start('r')
    const second = await sup.restart('r')
    expect(second.status).toBe('running')
    expect(second.pid).not.toBe(first.pid)
    expect(second.restartCount).toBe(1)
  })

  it('terminates what a crashed agent left in its process group', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const marker = `warden-orphan-${randomUUID()}`
    // The agent crashes once told to (a file appears), not after a delay a loaded host may exceed.
    const go = join(tmp.dir, 'crash')
    const script = `require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', '${marker}'], { stdio: 'ignore' }); setInterval(() => require('fs').existsSync(${JSON.stringify(go)}) && process.exit(2), 10)`
    sup.add({ id: 'orphans', command: process.execPath, args: ['-e', script, marker], restart: 'never' })
    await sup.start('orphans')
    await until(() => scanProc(marker).length === 2, 10_000, 'the child')
    writeFileSync(go, '')
    await sup.waitFor('orphans', 'exited', { timeoutMs: 10_000 })
    await until(() => scanProc(marker).length === 0, 10_000, 'the orphan to be terminated')
  })
})
