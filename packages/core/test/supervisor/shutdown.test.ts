import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { Supervisor, SupervisorClosedError } from '../../src/index.js'
import { nodeSpec, record, scanProc, supervisorPerTest } from '../helpers.js'

let sup: Supervisor
supervisorPerTest(() => sup)

describe('shutdown', () => {
  it('stops 20 agents in parallel: all gone, each exit/stopped event exactly once, idempotent', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const marker = `warden-shutdown-${randomUUID()}`
    const ids = Array.from({ length: 20 }, (_, i) => `agent-${i}`)
    for (const id of ids) sup.add(nodeSpec(id, 'forever.js', [marker], { restart: 'always' }))
    const started = await sup.startAll()
    expect(started.map((i) => i.status)).toEqual(ids.map(() => 'running'))
    expect(scanProc(marker)).toHaveLength(20)
    const events = record(sup)
    const first = sup.shutdown()
    expect(sup.shutdown()).toBe(first)
    await first
    expect(scanProc(marker)).toEqual([])
    for (const id of ids) {
      expect(events.filter((e) => e.name === 'agent:exit' && e.event.id === id)).toHaveLength(1)
      expect(
        events.filter((e) => e.name === 'agent:status' && e.event.id === id && e.event.to === 'stopped'),
      ).toHaveLength(1)
      expect(sup.get(id)!.status).toBe('stopped')
    }
    expect(events.filter((e) => e.name === 'agent:restart')).toHaveLength(0)
    await expect(sup.start('agent-0')).rejects.toThrow(SupervisorClosedError)
    expect(() => sup.add(nodeSpec('late', 'forever.js'))).toThrow(SupervisorClosedError)
  })
})
