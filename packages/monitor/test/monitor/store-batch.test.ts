import { Supervisor } from '@warden/core'
import type { ResourceDataPoint } from '@warden/store'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type CollectErrorEvent,
  type PollReport,
  ResourceMonitor,
  type RestartEvent,
  type ThresholdAlert,
  type ThresholdResolved,
} from '../../src/index.js'
import { FakeBatchStore } from '../helpers/batch-store.js'
import { fixturePath, ListSource, Processes, until } from '../helpers/processes.js'

const procs = new Processes()
let supervisor: Supervisor | undefined
afterEach(async () => {
  await supervisor?.shutdown()
  supervisor = undefined
  await procs.killAll()
})

async function sleepers(n: number): Promise<ListSource> {
  const registry = new ListSource()
  for (const [i, pid] of (await procs.sleeps(n)).entries()) registry.add(`a${i}`, pid)
  return registry
}

const point = (timestamp: number): ResourceDataPoint => ({
  timestamp,
  cpuPercent: 1,
  memoryRss: 1,
  memoryVms: 1,
  diskReadBytes: 0,
  diskWriteBytes: 0,
  openFiles: 1,
  threads: 1,
})

describe('a store with appendMany: one batch per tick', () => {
  it('hands the points of a tick to one appendMany call, in registry order, and polls once it resolved', async () => {
    const store = new FakeBatchStore()
    const m = new ResourceMonitor({ registry: await sleepers(3), store })
    const polls: PollReport[] = []
    m.on('poll', (r) => polls.push(r))
    const release = store.hold()
    const tick = m.collectOnce()
    await until(() => store.batches.length === 1, 10_000, 'the batch')
    expect(polls).toEqual([]) // the batch is not durable yet
    release()
    const report = await tick
    expect(polls).toEqual([report])
    expect(report).toMatchObject({ agents: 3, sampled: 3, writeErrors: 0 })
    expect(store.batches[0]!.map((e) => e.id)).toEqual(['a0', 'a1', 'a2'])
    expect(store.batches[0]!.map((e) => e.point)).toEqual(['a0', 'a1', 'a2'].map((id) => m.latest(id)))
    const second = await m.collectOnce()
    expect(store.batches).toHaveLength(2)
    // History queries are answered by the store.
    expect((await m.getResourceHistory('a1')).map((p) => p.timestamp)).toEqual([report.at, second.at])
    await m.stop()
  })

  it('points the store refuses are collect-errors and writeErrors for those agents only; the others are appended', async () => {
    const store = new FakeBatchStore()
    const m = new ResourceMonitor({ registry: await sleepers(3), store })
    // A point far in the future: every point the monitor appends for a1 is out of order.
    store.seed('a1', point(Date.now() + 86_400_000))
    const errors: CollectErrorEvent[] = []
    m.on('collect-error', (e) => errors.push(e))
    const report = await m.collectOnce()
    expect(report).toMatchObject({ sampled: 3, writeErrors: 1, errors: 0 })
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({
      agentId: 'a1',
      error: { code: 'ERR_MONITOR_STORE_WRITE', agentId: 'a1' },
    })
    expect((errors[0]!.error.cause as Error).message).toMatch(/order|older|before/i)
    expect(m.latest('a1')!.timestamp).toBe(report.at) // kept, not persisted
    for (const id of ['a0', 'a2']) {
      expect((await m.getResourceHistory(id)).map((p) => p.timestamp)).toEqual([report.at])
    }
    await m.stop()
  })

  it('a batch rejected as a whole is one StoreWriteError per agent of the batch; collectOnce() still resolves and the next tick appends', async () => {
    const store = new FakeBatchStore()
    const m = new ResourceMonitor({ registry: await sleepers(3), store })
    const errors: CollectErrorEvent[] = []
    m.on('collect-error', (e) => errors.push(e))
    const eio = Object.assign(new Error('journal write failed'), { code: 'ERR_STORE_IO' })
    store.failWith(eio)
    expect(await m.collectOnce()).toMatchObject({ sampled: 3, writeErrors: 3 })
    expect(errors.map((e) => e.agentId)).toEqual(['a0', 'a1', 'a2'])
    for (const { error } of errors) {
      expect(error).toMatchObject({ code: 'ERR_MONITOR_STORE_WRITE' })
      expect(error.cause).toBe(eio)
    }
    store.failWith(undefined)
    const next = await m.collectOnce()
    expect(next.writeErrors).toBe(0)
    expect((await m.getResourceHistory('a0')).map((p) => p.timestamp)).toEqual([next.at])
    await m.stop()
  })

  it('an appendMany that throws synchronously counts as a rejected batch', async () => {
    const boom = new Error('closed')
    const store = {
      appendMany: () => {
        throw boom
      },
      get: () => undefined,
    }
    const m = new ResourceMonitor({ registry: await sleepers(2), store })
    const errors: CollectErrorEvent[] = []
    m.on('collect-error', (e) => errors.push(e))
    expect(await m.collectOnce()).toMatchObject({ sampled: 2, writeErrors: 2 })
    expect(errors.map((e) => [e.agentId, e.error.cause])).toEqual([
      ['a0', boom],
      ['a1', boom],
    ])
    await m.stop()
  })

  it('uses appendMany, never appendResourceData, when the store has both; a tick without points calls neither', async () => {
    const child = await procs.sleep()
    const registry = new ListSource()
    registry.add('a', child)
    const batches = new FakeBatchStore()
    const perPoint: string[] = []
    const store = {
      appendMany: batches.appendMany.bind(batches),
      appendResourceData: async (id: string) => {
        perPoint.push(id)
      },
      get: batches.get.bind(batches),
    }
    const m = new ResourceMonitor({ registry, store })
    await m.collectOnce()
    expect(batches.batches).toHaveLength(1)
    await procs.kill(child)
    expect((await m.collectOnce()).gone).toBe(1)
    expect(batches.batches).toHaveLength(1)
    expect(perPoint).toEqual([])
    await m.stop()
  })
})

describe('a store with appendMany interleaved with other work', () => {
  it('1000 agents: one batch of 1000 points per tick; stop() while it is pending resolves after it and the poll', {
    timeout: 60_000,
  }, async () => {
    const store = new FakeBatchStore()
    const m = new ResourceMonitor({ registry: await sleepers(1000), store })
    const log: string[] = []
    m.on('poll', () => log.push('poll'))
    const release = store.hold()
    const tick = m.collectOnce()
    await until(() => store.batches.length === 1, 20_000, 'the batch')
    const stopped = m.stop().then(() => log.push('stopped'))
    // A turn of the event loop: nothing ends while the batch is pending.
    await new Promise((resolve) => setImmediate(resolve))
    expect(log).toEqual([])
    release()
    const report = await tick
    await stopped
    expect(log).toEqual(['poll', 'stopped'])
    expect(report).toMatchObject({ agents: 1000, sampled: 1000, writeErrors: 0 })
    expect(store.batches[0]!.map((e) => e.id)).toEqual(Array.from({ length: 1000 }, (_, i) => `a${i}`))
    expect(store.get('a999')!.resourceUsage.range()).toEqual([m.latest('a999')])
  })

  it("a restart asked by an alert completes while the tick waits for its batch: the batch holds the old process's point, the next tick ends its episode as gone", async () => {
    supervisor = new Supervisor({ cgroupParent: null })
    supervisor.add({
      id: 'web',
      command: process.execPath,
      args: [fixturePath('forever.js')],
      restart: 'never',
    })
    supervisor.add({ id: 'idle', command: 'sleep', args: ['3600'], restart: 'never' })
    const firstPid = (await supervisor.start('web')).pid!
    await supervisor.start('idle')
    const store = new FakeBatchStore()
    const m = new ResourceMonitor({ registry: supervisor.registry, supervisor, store })
    m.setThreshold('web', { memoryBytes: 1, durationMs: 0, action: 'restart' })
    const alerts: (ThresholdAlert | ThresholdResolved)[] = []
    m.on('threshold:error', (a) => alerts.push(a))
    m.on('threshold:resolved', (r) => alerts.push(r))
    const restarts: RestartEvent[] = []
    m.on('restart', (e) => restarts.push(e))
    let polled = false
    m.on('poll', () => {
      polled = true
    })

    const release = store.hold()
    const first = m.collectOnce()
    await until(() => restarts.length === 1, 20_000, 'the restart')
    expect(polled).toBe(false)
    const secondPid = supervisor.get('web')!.pid!
    expect(secondPid).not.toBe(firstPid)
    release()
    const r1 = await first
    expect(r1).toMatchObject({ sampled: 2, writeErrors: 0 })

    const r2 = await m.collectOnce()
    expect(r2).toMatchObject({ sampled: 2, writeErrors: 0 })
    expect(alerts.map((a) => `${a.level}:${a.level === 'resolved' ? a.reason : a.restart}`)).toEqual([
      'error:true', // tick 1: the old process, restarted
      'resolved:gone', // tick 2: its successor is sampled
      'error:true', // the successor is over the same line
    ])
    await m.stop() // waits for the second restart
    expect(restarts).toHaveLength(2)
    // The store got both processes' points, in order.
    expect(
      store
        .get('web')!
        .resourceUsage.range()
        .map((p) => p.timestamp),
    ).toEqual([r1.at, r2.at])
  })
})
