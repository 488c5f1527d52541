import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type CheckpointEvent,
  type CheckpointFailedEvent,
  type FileMetadataStore,
  ResourceUsageHistory,
  type StoreEvents,
} from '@warden/store'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { checkpointOffset } from '../../src/checkpoint/stagger.js'
import { encodeMetadata } from '../../src/file/encoding.js'
import { crashImage, SEGMENT, segmentNames } from '../helpers/journal.js'
import { point } from '../helpers/points.js'
import { openStore } from '../helpers/tmp.js'

afterEach(() => {
  vi.restoreAllMocks()
})

function collect<E extends keyof StoreEvents>(store: FileMetadataStore, event: E): StoreEvents[E][0][] {
  const seen: StoreEvents[E][0][] = []
  store.on(event, ((payload: StoreEvents[E][0]) => seen.push(payload)) as never)
  return seen
}

function next<E extends keyof StoreEvents>(store: FileMetadataStore, event: E): Promise<StoreEvents[E][0]> {
  return new Promise((resolve) => store.once(event, resolve as never))
}

/** The timestamps an agent's file holds. */
function fileTimestamps(dir: string, id: string): number[] {
  const json = JSON.parse(readFileSync(join(dir, `${id}.json`), 'utf8'))
  return ResourceUsageHistory.fromJSON(json.resourceUsage)
    .range()
    .map((p) => p.timestamp)
}

async function reopen(dir: string): Promise<FileMetadataStore> {
  return openStore({ dir, checkpointEvery: 1_000_000 })
}

describe('checkpoints', () => {
  it('rewrite an agent file every checkpointEvery of its points, the first time after checkpointEvery - offset(id)', async () => {
    const every = 8
    const store = await openStore({ checkpointEvery: every, fsync: false })
    const events = collect(store, 'checkpoint')
    const first = every - checkpointOffset('solo', every)
    // Point 1 creates the file; the journaled points from 2 on count towards a checkpoint.
    const due = (p: number) => p - 1 === first || (p - 1 > first && (p - 1 - first) % every === 0)
    for (let p = 1; p <= 30; p++) {
      const checkpointed = due(p) ? next(store, 'checkpoint') : undefined
      const before = events.length
      await store.appendResourceData('solo', point({ timestamp: p }))
      if (checkpointed === undefined) {
        expect(events.length, `no checkpoint after point ${p}`).toBe(before)
        continue
      }
      const event = await checkpointed
      expect(event).toMatchObject({ id: 'solo', points: p - 1 === first ? first : every })
      expect(fileTimestamps(store.dir, 'solo')).toEqual(Array.from({ length: p }, (_, i) => i + 1))
      expect(JSON.parse(readFileSync(join(store.dir, 'solo.json'), 'utf8')).journalLsn).toBe(event.journalLsn)
    }
    expect(events.length).toBe(1 + Math.floor((29 - first) / every))
  })

  it('write the file byte for byte as a metadata write of the same record would', async () => {
    const store = await openStore({ checkpointEvery: 4, fsync: false })
    await store.update('a', (m) => {
      m.labels = { team: 'équipe' }
    })
    const checkpointed = next(store, 'checkpoint')
    for (let t = 1; t <= 4; t++)
      await store.appendResourceData('a', point({ timestamp: t, cpuPercent: t / 3 }))
    const { journalLsn } = await checkpointed
    const expected = encodeMetadata((await store.get('a'))!, journalLsn)
    expect(readFileSync(join(store.dir, 'a.json')).equals(expected)).toBe(true)
  })

  it('a file holds the points of its snapshot only, though points are applied while it is formatted', async () => {
    // 5000 raw points: formatting the file takes several event-loop turns.
    const history = new ResourceUsageHistory({ maxSize: 5000 })
    for (let t = 1; t <= 5000; t++) history.add(point({ timestamp: t, cpuPercent: t / 7 }))
    const store = await openStore({ checkpointEvery: 8, fsync: false, history: { maxSize: 5000 } })
    await store.save({ id: 'a', restartCount: 0, updatedAt: 0, resourceUsage: history })
    const files: { points: number; newest: number; journalLsn: number }[] = []
    store.on('checkpoint', ({ id, journalLsn }) => {
      const json = JSON.parse(readFileSync(join(store.dir, `${id}.json`), 'utf8'))
      const range = ResourceUsageHistory.fromJSON(json.resourceUsage).range()
      files.push({ points: range.length, newest: range.at(-1)!.timestamp, journalLsn })
    })
    // Each append yields to the event loop: checkpoints are formatted between them.
    for (let t = 5001; t <= 5100; t++) await store.appendResourceData('a', point({ timestamp: t }))
    await store.close()
    expect(files.length).toBeGreaterThan(3)
    // Every file is whole (it parsed) and holds the newest 5000 points up to the one it says it
    // covers: one commit per append, so point 5000 + n has LSN n.
    for (const f of files) expect(f).toMatchObject({ points: 5000, newest: 5000 + f.journalLsn })
    const newest = files.map((f) => f.newest)
    expect(newest).toEqual([...newest].sort((a, b) => a - b))
    expect(newest.at(-1)).toBe(5100)
  })

  it('are paced: one batch of at most 4 per commit, with one directory fsync, whatever the number of agents due', async () => {
    const handle = await open('/dev/null', 'r')
    const proto = Object.getPrototypeOf(handle) as {
      sync: FileHandle['sync']
      datasync: FileHandle['datasync']
    }
    await handle.close()
    // Every point makes its agent due: 40 agents want a checkpoint every round.
    const store = await openStore({ checkpointEvery: 1 })
    const ids = Array.from({ length: 40 }, (_, i) => `agent-${i}`)
    await store.appendMany(ids.map((id) => ({ id, point: point({ timestamp: 0 }) })))
    const events = collect(store, 'checkpoint')
    const syncs = vi.spyOn(proto, 'sync')
    const datasyncs = vi.spyOn(proto, 'datasync')
    const rounds = 10
    for (let t = 1; t <= rounds; t++) {
      await store.appendMany(ids.map((id) => ({ id, point: point({ timestamp: t }) })))
    }
    if (events.length === 0) await next(store, 'checkpoint')
    // Counted while the batch of the last commit may still run: these are upper bounds.
    expect(datasyncs).toHaveBeenCalledTimes(rounds)
    expect(events.length).toBeLessThanOrEqual(4 * rounds)
    expect(syncs.mock.calls.length).toBeLessThanOrEqual(5 * rounds)
  })

  it('update writes the whole file at once, taking in the journaled points; save replaces them for good', async () => {
    const store = await openStore({ checkpointEvery: 1_000_000 })
    for (let t = 1; t <= 3; t++) await store.appendResourceData('a', point({ timestamp: t }))
    // The first point created the file, the others are journaled.
    expect(fileTimestamps(store.dir, 'a')).toEqual([1])
    await store.update('a', (m) => {
      m.status = 'running'
    })
    expect(fileTimestamps(store.dir, 'a')).toEqual([1, 2, 3])
    const history = new ResourceUsageHistory()
    history.add(point({ timestamp: 100 }))
    await store.save({ id: 'a', restartCount: 0, updatedAt: 0, resourceUsage: history })
    const again = await reopen(crashImage(store.dir))
    expect((await again.get('a'))!.resourceUsage.range().map((p) => p.timestamp)).toEqual([100])
  })

  it('an idle record is checkpointed before it leaves the cache', async () => {
    const store = await openStore({ checkpointEvery: 1_000_000, cacheIdleMs: 20 })
    const checkpointed = next(store, 'checkpoint')
    await store.appendResourceData('a', point({ timestamp: 1 }))
    await store.appendResourceData('a', point({ timestamp: 2 }))
    expect(await checkpointed).toMatchObject({ id: 'a', points: 1 })
    const deadline = Date.now() + 10_000
    while (store.cachedRecords > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    expect(store.cachedRecords).toBe(0)
    expect(fileTimestamps(store.dir, 'a')).toEqual([1, 2])
    expect((await store.get('a'))!.resourceUsage.length).toBe(2)
  })

  it('a checkpoint that fails is reported; the points stay in the journal, visible and replayed', async () => {
    const store = await openStore({ checkpointEvery: 4, maxRecordBytes: 1024, fsync: false })
    const failed: CheckpointFailedEvent[] = collect(store, 'checkpoint:failed')
    const failure = next(store, 'checkpoint:failed')
    let t = 0
    while (failed.length === 0 && t < 200) {
      t++
      await store.appendResourceData('big', point({ timestamp: t, memoryRss: 1e15 + t * 7919.123 }))
      if (t % 4 === 0) await new Promise((r) => setImmediate(r))
    }
    expect(await failure).toMatchObject({ id: 'big', error: { code: 'ERR_STORE_RECORD_TOO_LARGE' } })
    // The file is the last checkpoint that fitted.
    expect(fileTimestamps(store.dir, 'big').length).toBeLessThan(t)
    const reader = await openStore({ dir: store.dir, readOnly: true, maxRecordBytes: 1024 })
    expect((await reader.get('big'))!.resourceUsage.length).toBe(t)
    await store.close()
    // The journal could not be deleted: a writer replays it.
    expect(segmentNames(store.dir).length).toBeGreaterThan(0)
    const again = await openStore({ dir: store.dir, maxRecordBytes: 1024, checkpointEvery: 1_000_000 })
    expect((await again.get('big'))!.resourceUsage.length).toBe(t)
  })

  it('close() checkpoints every agent and deletes the journal', async () => {
    const store = await openStore({ checkpointEvery: 1_000_000 })
    const events: CheckpointEvent[] = collect(store, 'checkpoint')
    for (let t = 1; t <= 2; t++) {
      await store.appendMany(['a', 'b', 'c'].map((id) => ({ id, point: point({ timestamp: t }) })))
    }
    await store.close()
    expect(events.map((e) => e.id).sort()).toEqual(['a', 'b', 'c'])
    expect(readdirSync(store.dir).sort()).toEqual(['a.json', 'b.json', 'c.json'])
  })
})

describe('delete', () => {
  it('is not undone by a replay: the tombstone drops the points journaled before it', async () => {
    const store = await openStore({ checkpointEvery: 1_000_000 })
    for (let t = 1; t <= 3; t++) await store.appendResourceData('x', point({ timestamp: t }))
    await store.update('x', () => undefined)
    for (let t = 4; t <= 5; t++) await store.appendResourceData('x', point({ timestamp: t }))
    await store.appendResourceData('y', point({ timestamp: 1 }))
    const beforeDelete = crashImage(store.dir)
    expect(await store.delete('x')).toBe(true)
    expect(await store.list()).toEqual(['y'])

    const image = crashImage(store.dir)
    const again = await reopen(image)
    expect(await again.get('x')).toBeUndefined()
    expect(await again.list()).toEqual(['y'])

    // A crash between the tombstone and the unlink: the file outlived its deletion's record.
    for (const name of readdirSync(beforeDelete).filter((n) => SEGMENT.test(n)))
      rmSync(join(beforeDelete, name))
    for (const name of segmentNames(image))
      writeFileSync(join(beforeDelete, name), readFileSync(join(image, name)))
    expect(existsSync(join(beforeDelete, 'x.json'))).toBe(true)
    const torn = await reopen(beforeDelete)
    expect(await torn.get('x')).toBeUndefined()
    expect(existsSync(join(beforeDelete, 'x.json'))).toBe(false)
    const reader = await openStore({ dir: image, readOnly: true })
    expect(await reader.get('x')).toBeUndefined()

    // What comes after the deletion is a new record.
    await store.appendResourceData('x', point({ timestamp: 1 }))
    expect((await store.get('x'))!.resourceUsage.range().map((p) => p.timestamp)).toEqual([1])
    const later = await reopen(crashImage(store.dir))
    expect((await later.get('x'))!.resourceUsage.range().map((p) => p.timestamp)).toEqual([1])
  })

  it('of an agent whose only point is in its file (no journal yet, no tombstone needed)', async () => {
    const store = await openStore({ checkpointEvery: 1_000_000 })
    await store.appendResourceData('j', point({ timestamp: 1 }))
    expect(await store.list()).toEqual(['j'])
    expect(await store.delete('j')).toBe(true)
    expect(await store.delete('j')).toBe(false)
    const again = await reopen(crashImage(store.dir))
    expect(await again.list()).toEqual([])
  })
})
