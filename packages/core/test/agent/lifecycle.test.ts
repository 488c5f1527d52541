import { describe, expect, it } from 'vitest'
import { LifecycleQueue, type Operation, type OperationKind } from '../../src/agent/lifecycle.js'
import type { AgentInfo } from '../../src/index.js'

const info = (status: AgentInfo['status']): AgentInfo => ({
  id: 'a',
  pid: null,
  startTicks: null,
  status,
  startTime: null,
  restartCount: 0,
  adopted: false,
  droppedLogLines: 0,
})

/** A queue whose operations finish when the test says so, recording what ran. */
function harness() {
  const ran: OperationKind[] = []
  const finish: Array<() => void> = []
  const queue = new LifecycleQueue<undefined>(async (op) => {
    ran.push(op.kind)
    await new Promise<void>((resolve) => finish.push(resolve))
    return info(op.kind === 'stop' ? 'stopped' : 'running')
  })
  const conflict = (op: Operation<undefined>) => new Error(`${op.kind} superseded`)
  const request = (kind: OperationKind) => {
    const p = queue.request(kind, undefined, conflict).join()
    p.catch(() => {})
    return p
  }
  const step = async () => {
    await new Promise((r) => setImmediate(r))
    finish.shift()?.()
    await new Promise((r) => setImmediate(r))
  }
  return { queue, ran, request, step }
}

describe('LifecycleQueue', () => {
  it('runs one operation at a time, in order; same-kind requests share one', async () => {
    const h = harness()
    const a = h.request('start')
    const b = h.request('start')
    await h.step()
    expect(await a).toBe(await b)
    expect(h.ran).toEqual(['start'])
    expect(h.queue.busy).toBe(false)
  })

  it('the last request wins: earlier requests of the other direction are superseded and dropped', async () => {
    const h = harness()
    const stop1 = h.request('stop')
    const start = h.request('start')
    const stop2 = h.request('stop')
    await h.step()
    await expect(stop1).rejects.toThrow('stop superseded')
    await expect(start).rejects.toThrow('start superseded')
    expect((await stop2).status).toBe('stopped')
    expect(h.ran).toEqual(['stop'])
  })

  it('a running operation is cancelled (callers told at once) but finishes; the next one runs after it', async () => {
    const h = harness()
    const start = h.request('start')
    await new Promise((r) => setImmediate(r))
    expect(h.ran).toEqual(['start'])
    const stop = h.request('stop')
    await expect(start).rejects.toThrow('start superseded')
    await h.step()
    await h.step()
    expect((await stop).status).toBe('stopped')
    expect(h.ran).toEqual(['start', 'stop'])
  })

  it('restart joins a queued start or restart, not one that has spawned; start joins a restart', async () => {
    const h = harness()
    const start = h.request('start')
    const restart = h.request('restart')
    const start2 = h.request('start')
    await h.step()
    expect(await start).toBe(await restart)
    expect(await start2).toBe(await restart)
    expect(h.ran).toEqual(['restart'])
  })

  it('the policy respawn never shares with, nor is shared by, a call', async () => {
    const h = harness()
    h.queue.request('respawn', undefined, () => new Error('x'))
    const start = h.request('start')
    await h.step()
    await h.step()
    expect((await start).status).toBe('running')
    expect(h.ran).toEqual(['respawn', 'start'])
  })
})
