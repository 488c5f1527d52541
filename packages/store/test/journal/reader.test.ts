import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'
import { join } from 'node:path'
import { FileMetadataStore, ResourceUsageHistory } from '@warden/store'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { compileStore, fixture, killAll, spawnNode, waitForLine } from '../helpers/child.js'
import { crashImage, SEGMENT, segmentNames } from '../helpers/journal.js'
import { point } from '../helpers/points.js'
import { openStore, tempDir } from '../helpers/tmp.js'

let compiled: ReturnType<typeof compileStore>
beforeAll(() => {
  compiled = compileStore()
})
afterAll(() => compiled.cleanup())
afterEach(async () => {
  vi.restoreAllMocks()
  await killAll()
})

/** The timestamps an agent's file holds. */
function fileTimestamps(dir: string, id: string): number[] {
  const json = JSON.parse(readFileSync(join(dir, `${id}.json`), 'utf8'))
  return ResourceUsageHistory.fromJSON(json.resourceUsage)
    .range()
    .map((p) => p.timestamp)
}

const timestamps = async (store: FileMetadataStore, id: string) =>
  (await store.get(id))?.resourceUsage.range().map((p) => p.timestamp)

describe('a read-only store reads the journal', () => {
  it('sees every acknowledged point before any checkpoint', async () => {
    const writer = await openStore({ checkpointEvery: 1_000_000 })
    await writer.appendMany([
      { id: 'a', point: point({ timestamp: 1 }) },
      { id: 'b', point: point({ timestamp: 1 }) },
    ])
    await writer.appendResourceData('a', point({ timestamp: 2 }))
    const reader = await openStore({ dir: writer.dir, readOnly: true })
    // The first point made the file; the second is only in the journal.
    expect(fileTimestamps(writer.dir, 'a')).toEqual([1])
    expect(await reader.list()).toEqual(['a', 'b'])
    expect(await timestamps(reader, 'a')).toEqual([1, 2])
    await writer.appendResourceData('a', point({ timestamp: 3 }))
    expect(await timestamps(reader, 'a')).toEqual([1, 2, 3])
    expect(await reader.get('nobody')).toBeUndefined()
  })

  it('lists, and reads, an agent so far only in the journal (its file lost)', async () => {
    const writer = await openStore({ checkpointEvery: 1_000_000 })
    for (let t = 1; t <= 3; t++) await writer.appendResourceData('a', point({ timestamp: t }))
    const image = crashImage(writer.dir)
    rmSync(join(image, 'a.json'))
    const reader = await openStore({ dir: image, readOnly: true })
    expect(await reader.list()).toEqual(['a'])
    expect(await timestamps(reader, 'a')).toEqual([2, 3])
    const again = await openStore({ dir: image, checkpointEvery: 1_000_000 })
    expect(await again.list()).toEqual(['a'])
    expect(await timestamps(again, 'a')).toEqual([2, 3])
  })

  it('incrementally: a read after one more append reads only the new bytes', async () => {
    const writer = await openStore({ checkpointEvery: 1_000_000, fsync: false })
    for (let t = 1; t <= 100; t++) {
      await writer.appendMany(
        Array.from({ length: 10 }, (_, i) => ({ id: `agent-${i}`, point: point({ timestamp: t }) })),
      )
    }
    const reader = await openStore({ dir: writer.dir, readOnly: true })
    const handle = await open('/dev/null', 'r')
    const proto = Object.getPrototypeOf(handle) as { read: FileHandle['read'] }
    await handle.close()
    const read = proto.read
    let bytes = 0
    vi.spyOn(proto, 'read').mockImplementation(async function (this: FileHandle, ...args: unknown[]) {
      const result = await (read as (...a: unknown[]) => Promise<{ bytesRead: number }>).apply(this, args)
      bytes += result.bytesRead
      return result as never
    })
    expect(await timestamps(reader, 'agent-3')).toHaveLength(100)
    const first = bytes
    expect(first).toBeGreaterThan(99 * 10 * 75)
    await writer.appendResourceData('agent-3', point({ timestamp: 101 }))
    bytes = 0
    expect(await timestamps(reader, 'agent-3')).toHaveLength(101)
    // The agent's file (it holds the first point) is read each time; of the journal, only the new record.
    expect(bytes).toBeLessThan(statSync(join(writer.dir, 'agent-3.json')).size + 200)
  })

  it('forgets segments the writer deleted once its files covered them', async () => {
    const writer = await openStore({ checkpointEvery: 1_000_000, segmentBytes: 1024, fsync: false })
    for (let t = 1; t <= 60; t++) await writer.appendResourceData('a', point({ timestamp: t }))
    const reader = await openStore({ dir: writer.dir, readOnly: true })
    expect(await timestamps(reader, 'a')).toHaveLength(60)
    const before = segmentNames(writer.dir)
    await writer.update('a', () => undefined)
    // The update checkpoints `a`, then one more commit lets the covered segments go.
    await writer.appendResourceData('a', point({ timestamp: 61 }))
    await writer.appendResourceData('a', point({ timestamp: 62 }))
    expect(segmentNames(writer.dir).length).toBeLessThan(before.length)
    expect(await timestamps(reader, 'a')).toEqual(Array.from({ length: 62 }, (_, i) => i + 1))
  })

  it('a segment deleted and created again under the same name by a later writer is read from its start', async () => {
    // A first writer's journal, read by the reader; its close() checkpoints and deletes every segment.
    const first = new FileMetadataStore({ dir: tempDir(), checkpointEvery: 1_000_000, fsync: false })
    await first.open()
    for (let t = 1; t <= 3; t++) await first.appendResourceData('a', point({ timestamp: t }))
    const reader = await openStore({ dir: first.dir, readOnly: true })
    for (let t = 4; t <= 40; t++) await first.appendResourceData('a', point({ timestamp: t }))
    expect(await timestamps(reader, 'a')).toHaveLength(40)
    const name = segmentNames(first.dir).at(-1)!
    await first.close()
    expect(segmentNames(first.dir)).toEqual([])
    // A second writer starts its journal again under the first segment's name; by the next read
    // it holds more bytes than the reader had read of the old one.
    const second = await openStore({ dir: first.dir, checkpointEvery: 1_000_000, fsync: false })
    for (let t = 41; t <= 120; t++) await second.appendResourceData('a', point({ timestamp: t }))
    expect(segmentNames(first.dir)).toContain(name)
    expect(await timestamps(reader, 'a')).toEqual(Array.from({ length: 120 }, (_, i) => i + 1))
  })

  it('against a writer checkpointing after every point and deleting 1 KiB segments all the time: every read whole, never going back', async () => {
    const dir = tempDir()
    const child = spawnNode(fixture('journal-loop.mjs'), [
      compiled.entry,
      dir,
      'a,b,c,d',
      JSON.stringify({ maxSize: 100_000 }),
      JSON.stringify({ checkpointEvery: 1, segmentBytes: 1024 }),
    ])
    await waitForLine(child, (line) => line.startsWith('d '))
    const reader = new FileMetadataStore({ dir, readOnly: true })
    const corrupt: unknown[] = []
    reader.on('corrupt', (e) => corrupt.push(e))
    await reader.open()
    const last = new Map<string, number>()
    const segmentsSeen = new Set<string>()
    let reads = 0
    const deadline = Date.now() + 2000
    while (Date.now() < deadline) {
      for (const name of readdirSync(dir)) if (SEGMENT.test(name)) segmentsSeen.add(name)
      for (const id of ['a', 'b', 'c', 'd']) {
        const ts = (await timestamps(reader, id)) ?? []
        reads++
        expect(
          ts.every((t, i) => t === i + 1),
          `${id}: not 1..${ts.length}`,
        ).toBe(true)
        expect(ts.length).toBeGreaterThanOrEqual(last.get(id) ?? 0)
        last.set(id, ts.length)
      }
    }
    await reader.close()
    expect(corrupt).toEqual([])
    expect(reads).toBeGreaterThan(20)
    // The writer really was checkpointing and deleting segments under the reads.
    expect(segmentsSeen.size).toBeGreaterThan(segmentNames(dir).length + 5)
    expect(Math.min(...last.values())).toBeGreaterThan(10)
  })
})
