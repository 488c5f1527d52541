import { lstatSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type CorruptEvent, FileMetadataStore, type JournalTruncatedEvent } from '@warden/store'
import { describe, expect, it } from 'vitest'
import { crashImage, frameBounds, segmentNames } from '../helpers/journal.js'
import { point } from '../helpers/points.js'
import { openStore, tempDir } from '../helpers/tmp.js'

const NO_CHECKPOINTS = { checkpointEvery: 1_000_000 }

/** Opens a writer on `dir` and collects what it reports. */
async function reopen(dir: string, opts = {}) {
  const store = new FileMetadataStore({ dir, fsync: false, ...NO_CHECKPOINTS, ...opts })
  const truncated: JournalTruncatedEvent[] = []
  const corrupt: CorruptEvent[] = []
  store.on('journal:truncated', (e) => truncated.push(e))
  store.on('corrupt', (e) => corrupt.push(e))
  await store.open()
  const timestamps = async (id: string) =>
    (await store.get(id))?.resourceUsage.range().map((p) => p.timestamp)
  return { store, truncated, corrupt, timestamps }
}

/** A writer's crash image: `a.json` holds point 1, the journal five commits of one point each (2-6). */
async function fivePoints(): Promise<{ dir: string; segment: string }> {
  const store = await openStore(NO_CHECKPOINTS)
  for (let t = 1; t <= 6; t++) await store.appendResourceData('a', point({ timestamp: t }))
  const dir = crashImage(store.dir)
  const [segment] = segmentNames(dir)
  return { dir, segment: join(dir, segment!) }
}

describe('recovery at open', () => {
  it('replays the journal onto the files: every acknowledged point is back, none twice', async () => {
    const store = await openStore(NO_CHECKPOINTS)
    for (let t = 1; t <= 3; t++) await store.appendResourceData('a', point({ timestamp: t }))
    // The first point created the file; a metadata write puts the two journaled ones in it (journalLsn 2); two more stay journal-only.
    await store.update('a', (m) => {
      m.status = 'running'
    })
    await store.appendMany([
      { id: 'a', point: point({ timestamp: 4 }) },
      { id: 'b', point: point({ timestamp: 4 }) },
    ])
    await store.appendResourceData('a', point({ timestamp: 5 }))
    const dir = crashImage(store.dir)
    expect(JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8'))).toMatchObject({ journalLsn: 2 })
    const { store: again, truncated, timestamps } = await reopen(dir)
    expect(await timestamps('a')).toEqual([1, 2, 3, 4, 5])
    expect((await again.get('a'))!.status).toBe('running')
    expect(await timestamps('b')).toEqual([4])
    expect(await again.list()).toEqual(['a', 'b'])
    expect(truncated).toEqual([])
    // New records go to a fresh segment; the old ones are deleted once checkpointed (close).
    await again.appendResourceData('a', point({ timestamp: 6 }))
    expect(segmentNames(dir)).toHaveLength(2)
    await again.close()
    expect(readdirSync(dir).sort()).toEqual(['a.json', 'b.json'])
  })

  it('a torn last record, cut at every byte, is dropped and reported; the records before it are intact', async () => {
    const { dir, segment } = await fivePoints()
    const bounds = frameBounds(segment)
    expect(bounds).toHaveLength(5)
    const [start, end] = bounds.at(-1)!
    const bytes = readFileSync(segment)
    for (let kept = 0; kept < end - start; kept++) {
      const image = crashImage(dir)
      const path = join(image, segmentNames(image)[0]!)
      writeFileSync(path, bytes.subarray(0, start + kept))
      // A reader takes an incomplete tail for a write still under way: the complete points, no event.
      const reader = new FileMetadataStore({ dir: image, readOnly: true })
      await reader.open()
      expect((await reader.get('a'))!.resourceUsage.length).toBe(5)
      await reader.close()

      const { store, truncated, timestamps } = await reopen(image)
      expect(await timestamps('a'), `cut ${kept} bytes into the record`).toEqual([1, 2, 3, 4, 5])
      if (kept === 0) expect(truncated).toEqual([])
      else {
        expect(truncated).toEqual([
          expect.objectContaining({
            segment: path,
            offset: start,
            bytesDropped: kept,
            reason: 'incomplete frame (torn write)',
            error: expect.objectContaining({ code: 'ERR_STORE_JOURNAL_CORRUPT', offset: start }),
          }),
        ])
        expect(readFileSync(path).length).toBe(start)
      }
      await store.close()
    }
  })

  it('a corrupt record in the middle of a segment: the records before it stay, it and the rest of that segment are dropped, later segments are kept', async () => {
    const store = await openStore({ ...NO_CHECKPOINTS, segmentBytes: 1024 })
    for (let t = 1; t <= 20; t++) await store.appendResourceData('a', point({ timestamp: t }))
    const dir = crashImage(store.dir)
    const names = segmentNames(dir)
    expect(names.length).toBeGreaterThanOrEqual(2)
    const first = join(dir, names[0]!)
    const bounds = frameBounds(first)
    const perSegment = bounds.length
    const [start] = bounds[2]!
    const bytes = readFileSync(first)
    bytes[start + 20]! ^= 0xff
    writeFileSync(first, bytes)

    const { truncated, timestamps } = await reopen(dir)
    expect(truncated).toEqual([
      expect.objectContaining({
        segment: first,
        offset: start,
        bytesDropped: bytes.length - start,
        reason: expect.stringMatching(/^checksum mismatch/),
      }),
    ])
    // Point 1 is in a.json; record k of the first segment holds point k + 2.
    const kept = await timestamps('a')
    expect(kept).toEqual([1, 2, 3, ...Array.from({ length: 19 - perSegment }, (_, i) => perSegment + 2 + i)])
  })

  it('a segment that is a symlink is never followed: set aside and reported; a link at the next segment name makes the writer take another', async () => {
    // A real segment outside, holding a point for `a`: read through the link it would be replayed.
    const outside = await fivePoints()
    const outsideBytes = readFileSync(outside.segment)
    const dir = tempDir()
    const link = join(dir, 'journal-0000000001.wal')
    symlinkSync(outside.segment, link)
    const { store, truncated, timestamps } = await reopen(dir)
    expect(await timestamps('a')).toBeUndefined()
    expect(truncated).toHaveLength(1)
    expect(truncated[0]!.reason).toMatch(
      /^a symbolic link, not a regular file: never followed, moved to .*journal-0000000001\.wal\.corrupt-\d+$/,
    )
    const movedTo = /moved to (.+)$/.exec(truncated[0]!.reason)![1]!
    expect(lstatSync(movedTo).isSymbolicLink()).toBe(true)

    // Planted while the writer runs, at the name its next segment would take (b's second point starts the journal).
    symlinkSync(outside.segment, link)
    await store.appendResourceData('b', point({ timestamp: 1 }))
    await store.appendResourceData('b', point({ timestamp: 2 }))
    expect(segmentNames(dir)).toEqual(['journal-0000000001.wal', 'journal-0000000002.wal'])
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(lstatSync(join(dir, 'journal-0000000002.wal')).isFile()).toBe(true)
    // A reader skips the link too.
    const reader = await openStore({ dir, readOnly: true })
    expect(await reader.list()).toEqual(['b'])
    expect(readFileSync(outside.segment)).toEqual(outsideBytes)
    await store.close()
    expect(readFileSync(outside.segment)).toEqual(outsideBytes)
  })

  it('a file with a bad header at a segment name is set aside with its bytes, not cut', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'journal-0000000001.wal'), 'not a journal at all')
    const { truncated } = await reopen(dir)
    expect(truncated).toEqual([
      expect.objectContaining({ offset: 0, bytesDropped: 20, reason: expect.stringMatching(/bad header/) }),
    ])
    const aside = readdirSync(dir).find((n) => n.includes('.corrupt-'))!
    expect(readFileSync(join(dir, aside), 'utf8')).toBe('not a journal at all')
  })
})
