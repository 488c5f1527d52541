import { describe, expect, it } from 'vitest'
import { type AgentStatus, Supervisor } from '../../src/index.js'
import { captureUncaught, nodeSpec, supervisorPerTest } from '../helpers.js'

let sup: Supervisor
supervisorPerTest(() => sup)

describe('throwing listeners', () => {
  it('a throwing agent:exit listener: the restart still happens, it sees the outcome, the error surfaces uncaught', async () => {
    sup = new Supervisor({ cgroupParent: null })
    sup.add(nodeSpec('crashy', 'crash-after.js', ['0', '3'], { backoff: { initialMs: 20, maxMs: 20 } }))
    const seen: Array<{ status: AgentStatus; pid: number | null }> = []
    const boom = new Error('listener bug')
    sup.on('agent:exit', (e) => {
      const info = sup.get(e.id)!
      seen.push({ status: info.status, pid: info.pid })
      throw boom
    })
    const caught = await captureUncaught(async () => {
      const restarted = new Promise((resolve) =>
        sup.on('agent:start', (e) => e.restartCount === 1 && resolve(e)),
      )
      await sup.start('crashy')
      await restarted
      // Stopped inside the capture: every exit (each one throws) happens while it listens.
      await sup.stop('crashy')
    })
    // When agent:exit is delivered the restart is already scheduled: the listener sees backoff.
    expect(seen[0]).toEqual({ status: 'backoff', pid: null })
    expect(caught[0]).toBe(boom)
    expect(sup.get('crashy')!.restartCount).toBeGreaterThanOrEqual(1)
  })

  it('a throwing agent:status or registry listener never stops a transition', async () => {
    sup = new Supervisor({ cgroupParent: null })
    sup.add(nodeSpec('s', 'forever.js'))
    const boom = new Error('status listener bug')
    sup.on('agent:status', () => {
      throw boom
    })
    sup.registry.on('change', () => {
      throw boom
    })
    const caught = await captureUncaught(async () => {
      expect((await sup.start('s')).status).toBe('running')
      expect((await sup.stop('s')).status).toBe('stopped')
    })
    expect(caught.length).toBeGreaterThanOrEqual(4)
    expect(caught.every((e) => e === boom)).toBe(true)
  })
})
