import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Supervisor } from '@warden/core'
import { FileMetadataStore } from '@warden/store'
import { afterEach, describe, expect, it } from 'vitest'
import { captureUncaught } from '../../../../test/helpers/uncaught.js'
import { type PollReport, ResourceMonitor, type RestartEvent, type Sampler } from '../../src/index.js'
import { fixturePath, ListSource, Processes } from '../helpers/processes.js'

const procs = new Processes()
const cleanups: (() => Promise<unknown> | unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  await procs.killAll()
})

async function tempStore(): Promise<FileMetadataStore> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-monitor-listeners-'))
  const store = new FileMetadataStore({ dir, fsync: false })
  await store.open()
  cleanups.push(
    () => rmSync(dir, { recursive: true, force: true }),
    () => store.close(),
  )
  return store
}

describe('a throwing listener never costs data or actions', () => {
  it.each(['store', 'memory'] as const)(
    'a sample listener throwing for one of several agents: every agent gets its point (%s) and poll fires',
    async (where) => {
      const children = await Promise.all([procs.sleep(), procs.sleep(), procs.sleep()])
      const registry = new ListSource()
      for (const [i, c] of children.entries()) registry.add(`a${i}`, c)
      const store = where === 'store' ? await tempStore() : undefined
      const m = new ResourceMonitor({ registry, ...(store && { store }) })
      cleanups.push(() => m.stop())
      const boom = new Error('sample listener bug')
      m.on('sample', ({ agentId }) => {
        if (agentId === 'a0') throw boom
      })
      const polls: PollReport[] = []
      m.on('poll', (r) => polls.push(r))
      let report: PollReport | undefined
      const caught = await captureUncaught(async () => {
        report = await m.collectOnce()
      })
      expect(caught).toEqual([boom])
      expect(report).toMatchObject({ agents: 3, sampled: 3, errors: 0, writeErrors: 0 })
      expect(polls).toEqual([report])
      for (const id of ['a0', 'a1', 'a2']) {
        expect(m.latest(id)?.timestamp).toBe(report!.at)
        expect((await m.getResourceHistory(id)).map((p) => p.timestamp)).toEqual([report!.at])
        if (store) expect((await store.get(id))!.resourceUsage.range()).toHaveLength(1)
      }
    },
  )

  it("a throwing threshold:error listener does not prevent action 'restart' (real Supervisor, new pid)", async () => {
    const supervisor = new Supervisor({ cgroupParent: null })
    cleanups.push(() => supervisor.shutdown())
    supervisor.add({
      id: 'web',
      command: process.execPath,
      args: [fixturePath('forever.js')],
      restart: 'never',
    })
    const firstPid = (await supervisor.start('web')).pid!
    const m = new ResourceMonitor({ registry: supervisor.registry, supervisor })
    cleanups.push(() => m.stop())
    // Any process is over 1 byte of RSS: sustained at once.
    m.setThreshold('web', { memoryBytes: 1, durationMs: 0, action: 'restart' })
    const boom = new Error('alert listener bug')
    m.on('threshold:error', () => {
      throw boom
    })
    const restarts: RestartEvent[] = []
    m.on('restart', (e) => restarts.push(e))
    const caught = await captureUncaught(async () => {
      const report = await m.collectOnce()
      expect(report.sampled).toBe(1)
      await m.stop() // waits for the restart in flight
    })
    expect(caught).toEqual([boom])
    expect(restarts).toHaveLength(1)
    expect(restarts[0]!.alert).toMatchObject({ agentId: 'web', level: 'error', restart: true })
    const info = supervisor.get('web')!
    expect(info.status).toBe('running')
    expect(info.pid).not.toBe(firstPid)
    expect(info.restartCount).toBe(1)
  })

  it('a throwing listener of any event is re-raised out of band; ticks, episodes and errors carry on', async () => {
    const a = await procs.fixture('forever.js')
    const registry = new ListSource()
    registry.add('a', a)
    registry.add('bad/id', a) // the store refuses this id: a collect-error every tick
    const store = await tempStore()
    const m = new ResourceMonitor({
      registry,
      store,
      supervisor: { restart: async () => {} },
      defaultThreshold: { threads: 1, durationMs: 0, action: 'restart' },
    })
    cleanups.push(() => m.stop())
    const events = [
      'sample',
      'poll',
      'collect-error',
      'threshold:warning',
      'threshold:error',
      'threshold:resolved',
      'restart',
    ] as const
    for (const event of events) {
      m.on(event, () => {
        throw new Error(event)
      })
    }
    const caught = await captureUncaught(async () => {
      expect(await m.collectOnce()).toMatchObject({ sampled: 2, writeErrors: 1 })
      await m.stop() // the restarts resolve and emit `restart`
      m.setThreshold('a', null) // ends the open episode: resolved, cleared
    })
    const seen = caught.map((e) => (e as Error).message)
    for (const event of events) expect(seen).toContain(event)
    expect(m.getThreshold('a')).toBeUndefined()
    expect((await store.get('a'))!.resourceUsage.range()).toHaveLength(1)
  })

  it('a throwing listener during a timer tick is re-raised, never turned into a collect-error', async () => {
    const sampler: Sampler = {
      backend: 'procfs',
      sampleAll: async (targets, { now }) =>
        new Map(
          targets.map((t) => [
            t.id,
            {
              kind: 'ok',
              startTicks: 1,
              point: {
                timestamp: now ?? 0,
                cpuPercent: 1,
                memoryRss: 1,
                memoryVms: 1,
                diskReadBytes: null,
                diskWriteBytes: null,
                openFiles: null,
                threads: 1,
              },
            } as const,
          ]),
        ),
      close: () => {},
    }
    const registry = { list: () => [{ id: 'a', pid: 1, startTicks: 1, status: 'running' as const }] }
    const m = new ResourceMonitor({ registry, sampler, intervalMs: 60_000 })
    const errors: unknown[] = []
    m.on('collect-error', (e) => errors.push(e))
    const boom = new Error('sample listener bug')
    m.once('sample', () => {
      throw boom
    })
    const caught = await captureUncaught(async () => {
      const polled = m.waitForPoll({ timeoutMs: 5000 })
      m.start()
      expect(await polled).toMatchObject({ sampled: 1 })
      await m.stop()
    })
    expect(caught).toEqual([boom])
    expect(errors).toEqual([])
    expect(m.latest('a')).toMatchObject({ cpuPercent: 1 })
  })
})
