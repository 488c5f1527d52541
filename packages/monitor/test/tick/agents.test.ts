import type { PidSource } from '@warden/core'
import { describe, expect, it } from 'vitest'
import { AgentTable } from '../../src/tick/agents.js'

type Entry = ReturnType<PidSource['list']> extends Iterable<infer T> ? T : never

const entry = (id: string, pid: number | null = 10, status: Entry['status'] = 'running'): Entry => ({
  id,
  pid,
  startTicks: pid === null ? null : pid * 100,
  status,
})

describe('AgentTable', () => {
  it('lists the running/stopping agents with a pid as targets, in registry order, reusing one object per agent', () => {
    const table = new AgentTable()
    let entries = [entry('a', 1), entry('b', 2, 'stopping'), entry('c', 3, 'stopped'), entry('d', null)]
    const registry = { list: () => entries }
    const first = table.list(registry, () => {})
    expect(first.map((t) => [t.id, t.pid, t.startTicks])).toEqual([
      ['a', 1, 100],
      ['b', 2, 200],
    ])
    expect(['a', 'b', 'c', 'd'].map((id) => table.isListed(table.get(id)!))).toEqual([true, true, true, true])
    expect(['a', 'b', 'c', 'd'].map((id) => table.isTarget(table.get(id)!))).toEqual([
      true,
      true,
      false,
      false,
    ])
    entries = [entry('a', 5)]
    const second = table.list(registry, () => {})
    expect(second[0]).toBe(first[0]) // the same object, its pid updated
    expect(second[0]).toMatchObject({ pid: 5, startTicks: 500 })
    expect(table.isListed(table.get('b')!)).toBe(false)
  })

  it('an id listed twice: the first entry is the target, reported once per change', () => {
    const table = new AgentTable()
    let entries = [entry('x', 1), entry('x', 2), entry('x', 3)]
    const repeats: string[] = []
    const list = () => table.list({ list: () => entries }, (id) => repeats.push(id))
    expect(list().map((t) => t.pid)).toEqual([1])
    list()
    expect(repeats).toEqual(['x'])
    entries = [entry('x', 1)]
    list()
    entries = [entry('x', 1), entry('x', 2)]
    list()
    expect(repeats).toEqual(['x', 'x'])
  })

  it('leftTargets: an agent sampled since the last prune that is no longer a target', () => {
    const table = new AgentTable()
    let entries = [entry('a', 1), entry('b', 2)]
    const list = () => table.list({ list: () => entries }, () => {})
    list()
    const [a, b] = [table.get('a')!, table.get('b')!]
    expect([table.leftTargets(a), table.leftTargets(b)]).toEqual([false, false])
    entries = [entry('a', 1), entry('b', 2, 'stopped')]
    list()
    expect([table.leftTargets(a), table.leftTargets(b)]).toEqual([false, true])
    table.pruned()
    list()
    expect(table.leftTargets(b)).toBe(false)
  })

  it('makes an in-memory history on first use, with the configured size', () => {
    const table = new AgentTable(2)
    table.list({ list: () => [entry('a', 1)] }, () => {})
    const agent = table.get('a')!
    expect(agent.history).toBeUndefined()
    const history = table.historyOf(agent)
    expect(table.historyOf(agent)).toBe(history)
    expect(history.maxSize).toBe(2)
  })
})
