import { describe, expect, it } from 'vitest'
import { type AgentInfo, AgentNotFoundError, AgentRegistry } from '../src/index.js'
import { registryWriter } from '../src/registry/registry.js'

const info = (id: string): AgentInfo => ({
  id,
  pid: null,
  startTicks: null,
  status: 'stopped',
  startTime: null,
  restartCount: 0,
  adopted: false,
  droppedLogLines: 0,
})

describe('AgentRegistry', () => {
  it('emits change with the previous snapshot and remove; list() is cached until a change', () => {
    const r = new AgentRegistry()
    const w = registryWriter(r)
    const changes: Array<[string, string | undefined]> = []
    r.on('change', (now, prev) => changes.push([now.status, prev?.status]))
    w.set(info('a'))
    w.update('a', { status: 'running', pid: 42 })
    expect(changes).toEqual([
      ['stopped', undefined],
      ['running', 'stopped'],
    ])
    const l1 = r.list()
    expect(r.list()).toBe(l1)
    expect(Object.isFrozen(l1[0])).toBe(true)
    w.set(info('b'))
    expect(r.list()).not.toBe(l1)
    expect(r.list().map((i) => i.id)).toEqual(['a', 'b'])
    const removed: string[] = []
    r.on('remove', (i) => removed.push(i.id))
    expect(w.delete('a')).toBe(true)
    expect(w.delete('a')).toBe(false)
    expect(removed).toEqual(['a'])
    expect(() => w.update('a', {})).toThrow(AgentNotFoundError)
  })

  it('is read-only from outside: only the supervisor holding it writes', () => {
    const r = new AgentRegistry()
    for (const writer of ['set', 'update', 'delete']) expect(writer in r).toBe(false)
    expect(Object.getOwnPropertyNames(AgentRegistry.prototype).sort()).toEqual(
      ['constructor', 'get', 'has', 'list', 'size'].sort(),
    )
  })
})
