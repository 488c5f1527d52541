import { randomUUID } from 'node:crypto'
import { readStat } from '@warden/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { SupersededError, Supervisor } from '../../src/index.js'
import {
  cookieCarriers,
  cookieOf,
  killMarked,
  nodeSpec,
  record,
  scanProc,
  sleepMarker,
  spawnChildrenTree,
  supervisorPerTest,
  until,
  waitLine,
} from '../helpers.js'

let sup: Supervisor
supervisorPerTest(() => sup)
const markers: string[] = []
afterEach(() => {
  for (const m of markers.splice(0)) killMarked(m)
})

describe('stop', () => {
  it('SIGKILLs a process that ignores SIGTERM after stopTimeoutMs; resolves once it is gone', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const events = record(sup)
    sup.add(nodeSpec('stubborn', 'ignore-sigterm.js', [], { stopTimeoutMs: 300, logs: { events: true } }))
    const ready = waitLine(sup, 'stubborn', 'ready')
    const { pid, startTicks } = await sup.start('stubborn')
    await ready
    const t0 = Date.now()
    const info = await sup.stop('stubborn')
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250)
    expect(info.status).toBe('stopped')
    const stat = readStat(pid!)
    expect(stat === undefined || stat.startTicks !== startTicks).toBe(true)
    const exit = events.find((e) => e.name === 'agent:exit')!.event
    expect(exit).toMatchObject({ id: 'stubborn', signal: 'SIGKILL', code: null, expected: true })
    expect(events.filter((e) => e.name === 'agent:restart')).toHaveLength(0)
  })

  it('stops a tree with a setsid() grandchild: no process of it remains in /proc', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const marker = `warden-tree-${randomUUID()}`
    sup.add(nodeSpec('tree', 'spawn-children.js', ['root', marker]))
    const { pid } = await sup.start('tree')
    const tree = await until(() => spawnChildrenTree(pid!), 15_000, 'the 3 descendants')
    // The fixture really left the session/group: kill(-pgid) alone would miss it.
    expect(tree.some((p) => readStat(p)?.session !== pid)).toBe(true)
    expect(scanProc(marker).sort()).toEqual([pid!, ...tree].sort())
    const info = await sup.stop('tree')
    expect(info.status).toBe('stopped')
    expect(scanProc(marker)).toEqual([])
  })

  it('a fork loop that ignores SIGTERM (children leave the session): nothing of it survives stop()', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const marker = sleepMarker()
    markers.push(marker)
    sup.add(nodeSpec('forker', 'fork-loop.js', [marker], { stopTimeoutMs: 200, logs: { events: true } }))
    const ready = waitLine(sup, 'forker', 'ready')
    const { pid } = await sup.start('forker')
    await ready
    const cookie = cookieOf(pid!)
    const info = await sup.stop('forker')
    expect(info.status).toBe('stopped')
    expect(scanProc(marker)).toEqual([])
    expect(cookie).toMatch(/^[0-9a-f]{32}$/)
    expect(cookieCarriers(cookie!)).toEqual([])
  })

  it('a setsid double-fork daemon (out of the tree, group and session) is found by its cookie', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const marker = sleepMarker()
    markers.push(marker)
    sup.add(nodeSpec('daemonizer', 'daemonize.js', ['root', marker], { logs: { events: true } }))
    let daemon = 0
    const ready = new Promise<void>((resolve) =>
      sup.on('agent:log', (e) => {
        const m = /^daemon (\d+)$/.exec(e.line)
        if (m === null) return
        daemon = Number(m[1])
        resolve()
      }),
    )
    const { pid } = await sup.start('daemonizer')
    await ready
    const stat = readStat(daemon)!
    // Really escaped: not a descendant, not in the agent's group or session.
    expect(stat.ppid).not.toBe(pid)
    expect(stat.pgrp).not.toBe(pid)
    expect(stat.session).not.toBe(pid)
    expect(scanProc(marker).sort()).toEqual([pid!, daemon].sort())
    const cookie = cookieOf(pid!)
    expect((await sup.stop('daemonizer')).status).toBe('stopped')
    expect(scanProc(marker)).toEqual([])
    expect(cookie).toMatch(/^[0-9a-f]{32}$/)
    expect(cookieCarriers(cookie!)).toEqual([])
  })

  it('automatic restarts of a run share its cookie; the spec cannot override it; a new run gets a new one', async () => {
    sup = new Supervisor({ cgroupParent: null })
    sup.add(nodeSpec('c', 'crash-after.js', ['300'], { env: { WARDEN_AGENT_COOKIE: 'forged' } }))
    const respawned = new Promise<number>((resolve) =>
      sup.on('agent:start', (e) => {
        if (e.restartCount === 1) resolve(e.pid)
      }),
    )
    const first = await sup.start('c')
    const cookie = cookieOf(first.pid!)
    expect(cookie).toMatch(/^[0-9a-f]{32}$/)
    expect(cookieOf(await respawned)).toBe(cookie)
    await sup.stop('c')
    const next = await sup.start('c')
    expect(cookieOf(next.pid!)).toMatch(/^[0-9a-f]{32}$/)
    expect(cookieOf(next.pid!)).not.toBe(cookie)
  })

  it('stop() on a stopped or exited agent is a no-op; concurrent stops share one promise', async () => {
    sup = new Supervisor({ cgroupParent: null })
    sup.add(nodeSpec('f', 'forever.js'))
    expect((await sup.stop('f')).status).toBe('stopped')
    await sup.start('f')
    const events = record(sup)
    const [a, b] = await Promise.all([sup.stop('f'), sup.stop('f')])
    expect(a).toBe(b)
    expect(events.filter((e) => e.name === 'agent:exit')).toHaveLength(1)
  })

  it('stop() right after start() supersedes it: start rejects, stop resolves stopped', async () => {
    sup = new Supervisor({ cgroupParent: null })
    sup.add(nodeSpec('s', 'forever.js'))
    const started = sup.start('s')
    const stopped = sup.stop('s')
    await expect(started).rejects.toThrow(SupersededError)
    await expect(started).rejects.toMatchObject({
      code: 'ERR_CORE_SUPERSEDED',
      operation: 'start',
      by: 'stop',
    })
    expect((await stopped).status).toBe('stopped')
  })

  it('remove() stops the agent and forgets it', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const marker = `warden-rm-${randomUUID()}`
    sup.add(nodeSpec('rm', 'forever.js', [marker]))
    await sup.start('rm')
    const removed = new Promise((r) => sup.registry.once('remove', r))
    await sup.remove('rm')
    await removed
    expect(sup.get('rm')).toBeUndefined()
    expect(scanProc(marker)).toEqual([])
  })
})
