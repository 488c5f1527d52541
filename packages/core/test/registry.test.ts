import { describe, expect, it } from 'vitest'
import { type AgentInfo, AgentNotFoundError, AgentRegistry } from '../src/index.js'

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
    const changes: Array<[string, string | undefined]> = []
    r.on('change', (now, prev) => changes.push([now.status, prev?.status]))
    r.set(info('a'))
    r.update('a', { status: 'running', pid: 42 })
    expect(changes).toEqual([
      ['stopped', undefined],
      ['running', 'stopped'],
    ])
    const l1 = r.list()
    expect(r.list()).toBe(l1)
    expect(Object.isFrozen(l1[0])).toBe(true)
    r.set(info('b'))
    expect(r.list()).not.toBe(l1)
    expect(r.list().map((i) => i.id)).toEqual(['a', 'b'])
    const removed: string[] = []
    r.on('remove', (i) => removed.push(i.id))
    expect(r.delete('a')).toBe(true)
    expect(r.delete('a')).toBe(false)
    expect(removed).toEqual(['a'])
    expect(() => r.update('a', {})).toThrow(AgentNotFoundError)
  })
})
