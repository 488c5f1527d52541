import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { readStat, Supervisor } from '../../src/index.js'
import {
  nodeSpec,
  record,
  scanProc,
  spawnChildrenTree,
  supervisorPerTest,
  until,
  waitLine,
} from '../helpers.js'

let sup: Supervisor
supervisorPerTest(() => sup)

describe('stop', () => {
  it('SIGKILLs a process that ignores SIGTERM after stopTimeoutMs; resolves once it is gone', async () => {
    sup = new Supervisor()
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
    sup = new Supervisor()
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

  it('stop() on a stopped or exited agent is a no-op; concurrent stops share one promise', async () => {
    sup = new Supervisor()
    sup.add(nodeSpec('f', 'forever.js'))
    expect((await sup.stop('f')).status).toBe('stopped')
    await sup.start('f')
    const events = record(sup)
    const [a, b] = await Promise.all([sup.stop('f'), sup.stop('f')])
    expect(a).toBe(b)
    expect(events.filter((e) => e.name === 'agent:exit')).toHaveLength(1)
  })

  it('stop() during starting waits for the spawn, then stops it', async () => {
    sup = new Supervisor()
    sup.add(nodeSpec('s', 'forever.js'))
    const started = sup.start('s')
    const stopped = sup.stop('s')
    await started
    expect((await stopped).status).toBe('stopped')
  })

  it('remove() stops the agent and forgets it', async () => {
    sup = new Supervisor()
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
