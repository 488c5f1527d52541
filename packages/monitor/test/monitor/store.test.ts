import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileMetadataStore } from '@warden/store'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type CollectErrorEvent, type MonitorStore, ResourceMonitor } from '../../src/index.js'
import { SLICE_MS } from '../../src/tick/slices.js'
import { busyFor } from '../helpers/busy.js'
import { ListSource, Processes } from '../helpers/processes.js'

const procs = new Processes()
let dir: string
let store: FileMetadataStore
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warden-monitor-store-'))
  store = new FileMetadataStore({ dir, fsync: false })
  await store.open()
})
afterEach(async () => {
  await procs.killAll()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('ResourceMonitor with a FileMetadataStore', () => {
  it('the FileMetadataStore fits the MonitorStore contract', () => {
    const asContract: MonitorStore = store
    expect(asContract).toBe(store)
  })

  it('appends one point per agent per tick to the store and answers history from it', async () => {
    const [a, b] = await Promise.all([procs.fixture('forever.js'), procs.fixture('forever.js')])
    const registry = new ListSource()
    registry.add('alpha', a)
    registry.add('beta', b)
    const m = new ResourceMonitor({ registry, store })
    const reports = []
    for (let i = 0; i < 3; i++) reports.push(await m.collectOnce())
    // Every write had completed when collectOnce resolved: the files hold all three points.
    for (const id of ['alpha', 'beta']) {
      const file = JSON.parse(readFileSync(join(dir, `${id}.json`), 'utf8')) as { id: string }
      expect(file.id).toBe(id)
      const meta = await store.get(id)
      expect(meta!.resourceUsage.range().map((p) => p.timestamp)).toEqual(reports.map((r) => r.at))
    }
    const history = await m.getResourceHistory('alpha', { since: reports[1]!.at })
    expect(history).toHaveLength(2)
    expect(history[1]).toEqual(m.latest('alpha'))
    const agg = await m.getResourceHistoryAggregated('alpha', { intervalMs: 60_000 })
    expect(agg.tier).toBe('raw')
    expect(agg.buckets.reduce((n, x) => n + x.count, 0)).toBe(3)
    expect(await m.getResourceHistory('nobody')).toEqual([])
    expect((await m.getResourceHistoryAggregated('nobody', { intervalMs: 1000 })).buckets).toEqual([])
  })

  it('a store write failure is a collect-error and a writeErrors count, not a rejection; the point stays in latest()', async () => {
    const a = await procs.fixture('forever.js')
    const registry = new ListSource()
    registry.add('ok', a)
    registry.add('bad/id', a) // the store refuses ids that are not safe file names
    const m = new ResourceMonitor({ registry, store })
    const errors: CollectErrorEvent[] = []
    m.on('collect-error', (e) => errors.push(e))
    const report = await m.collectOnce()
    expect(report).toMatchObject({ sampled: 2, writeErrors: 1, errors: 0 })
    expect(errors).toHaveLength(1)
    expect(errors[0]!.agentId).toBe('bad/id')
    expect(errors[0]!.error).toMatchObject({ code: 'ERR_MONITOR_STORE_WRITE', agentId: 'bad/id' })
    expect((errors[0]!.error.cause as { code: string }).code).toBe('ERR_WARDEN_INVALID_AGENT_ID')
    expect(m.latest('bad/id')).toBeDefined()

    await store.close() // every write now fails
    const closed = await m.collectOnce()
    expect(closed.writeErrors).toBe(2)
    const okError = errors.slice(1).find((e) => e.agentId === 'ok')!
    expect((okError.error.cause as { code: string }).code).toBe('ERR_STORE_CLOSED')
  })

  it('a wall clock that steps back does not make the store reject points, nor stack them at one time', async () => {
    const a = await procs.fixture('forever.js')
    const registry = new ListSource()
    registry.add('alpha', a)
    const T = 1_800_000_000_000
    let wall = T
    let mono = 0
    const m = new ResourceMonitor({ registry, store, clock: { now: () => wall, monotonic: () => mono } })
    await m.collectOnce()
    // NTP steps the clock back 30 s between two ticks a minute apart, and it stays back.
    for (const minute of [1, 2]) {
      mono = minute * 60_000
      wall = T + minute * 60_000 - 30_000
      expect((await m.collectOnce()).writeErrors).toBe(0)
    }
    expect((await m.getResourceHistory('alpha')).map((p) => p.timestamp)).toEqual([
      T,
      T + 60_000,
      T + 120_000,
    ])
  })

  it('a store that works synchronously after each call (as FileMetadataStore serializes the whole file) gets its calls one turn of the event loop apart', async () => {
    const children = await Promise.all([procs.sleep(), procs.sleep(), procs.sleep()])
    const registry = new ListSource()
    for (const [i, c] of children.entries()) registry.add(`a${i}`, c)
    const log: string[] = []
    const slow = {
      appendResourceData: (id: string) => {
        log.push(`append:${id}`)
        // The heavy part runs in a continuation, after the call has returned.
        return Promise.resolve().then(() => busyFor(SLICE_MS * 2))
      },
      get: () => undefined,
    }
    const m = new ResourceMonitor({ registry, store: slow })
    let ticking = true
    const turn = (): void => {
      log.push('turn')
      if (ticking) setImmediate(turn)
    }
    m.once('sample', () => setImmediate(turn))
    const report = await m.collectOnce()
    ticking = false
    expect(report.writeErrors).toBe(0)
    const appends = log.flatMap((e, i) => (e.startsWith('append') ? [i] : []))
    expect(appends).toHaveLength(3)
    for (let k = 1; k < appends.length; k++) expect(log.slice(appends[k - 1], appends[k])).toContain('turn')
    await m.stop()
  })
})
