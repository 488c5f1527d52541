import { describe, expect, it } from 'vitest'
import { AgentNotFoundError, Supervisor, WaitTimeoutError } from '../../src/index.js'
import { nodeSpec, supervisorPerTest } from '../helpers.js'

let sup: Supervisor
supervisorPerTest(() => sup)

describe('lifecycle', () => {
  it('walks stopped → starting → running → stopping → stopped, with the registry in step', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const transitions: string[] = []
    sup.on('agent:status', (e) => {
      transitions.push(`${e.from}>${e.to}`)
      expect(sup.registry.get(e.id)).toBe(e.info)
    })
    const starts: number[] = []
    sup.on('agent:start', (e) => starts.push(e.pid))
    expect(sup.add(nodeSpec('life', 'forever.js')).status).toBe('stopped')
    const running = await sup.start('life')
    expect(running).toMatchObject({ status: 'running', adopted: false, restartCount: 0 })
    expect(running.startTicks).toBeGreaterThan(0)
    expect(starts).toEqual([running.pid])
    expect(sup.get('life')!.status).toBe('running')
    // start() on a running agent is a no-op.
    expect((await sup.start('life')).pid).toBe(running.pid)
    await sup.stop('life')
    expect(transitions).toEqual([
      'stopped>starting',
      'starting>running',
      'running>stopping',
      'stopping>stopped',
    ])
    expect(sup.list().map((a) => a.status)).toEqual(['stopped'])
  })

  it('waitFor times out, rejects on removal and on unknown ids', async () => {
    sup = new Supervisor({ cgroupParent: null })
    sup.add(nodeSpec('w', 'forever.js'))
    await expect(sup.waitFor('w', 'running', { timeoutMs: 20 })).rejects.toThrow(WaitTimeoutError)
    const pending = sup.waitFor('w', 'fatal')
    await sup.remove('w')
    await expect(pending).rejects.toThrow('was removed')
    await expect(sup.waitFor('nope', 'running')).rejects.toThrow(AgentNotFoundError)
    // An AbortSignal ends the wait with its reason; a non-signal is refused.
    sup.add(nodeSpec('v', 'forever.js'))
    const ac = new AbortController()
    const aborted = sup.waitFor('v', 'running', { signal: ac.signal })
    ac.abort(new Error('caller gave up'))
    await expect(aborted).rejects.toThrow('caller gave up')
    await expect(sup.waitFor('v', 'running', { signal: 'x' } as never)).rejects.toMatchObject({
      code: 'ERR_WARDEN_INVALID_OPTION',
      option: 'signal',
    })
    expect(sup.registry.listenerCount('change')).toBe(0)
    await expect(sup.start('nope')).rejects.toThrow(AgentNotFoundError)
  })

  it('shares a registry given in the options', async () => {
    const first = new Supervisor({ cgroupParent: null })
    sup = new Supervisor({ cgroupParent: null, registry: first.registry })
    sup.add(nodeSpec('shared', 'forever.js'))
    expect(first.registry.get('shared')?.status).toBe('stopped')
    await first.shutdown()
  })
})
