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
    expect(table.sweep().removed.map((a) => a.id)).toEqual(['b', 'c', 'd'])
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

  it('sweep: agents no longer sampled that have a process, agents no longer listed, and whether the sampler needs pruning', () => {
    const table = new AgentTable()
    let entries = [entry('a', 1), entry('b', 2), entry('c', 3)]
    const list = () => table.list({ list: () => entries }, () => {})
    list()
    for (const id of ['a', 'b']) table.get(id)!.process = { pid: 1, startTicks: 100 }
    expect(table.sweep()).toEqual({ stopped: [], removed: [], targetsLeft: false })
    entries = [entry('a', 1), entry('b', 2, 'stopped')]
    list()
    const swept = table.sweep()
    expect(swept.stopped.map((a) => a.id)).toEqual(['b'])
    expect(swept.removed.map((a) => a.id)).toEqual(['c'])
    expect(swept.targetsLeft).toBe(true)
    table.pruned()
    list()
    expect(table.sweep().targetsLeft).toBe(false)
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
