import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { journalBytes, segmentNames } from '../helpers/journal.js'
import { point } from '../helpers/points.js'
import { openStore } from '../helpers/tmp.js'

const SEGMENT_BYTES = 1024

describe('journal segments', () => {
  it('roll at segmentBytes and are deleted once the files cover them: disk use stays bounded over a long run with idle agents', async () => {
    // Idle agents never reach checkpointEvery and stay cached (long cacheIdleMs): only the roll rule frees their segments.
    const store = await openStore({
      segmentBytes: SEGMENT_BYTES,
      checkpointEvery: 16,
      cacheIdleMs: 600_000,
      fsync: false,
    })
    const idle = Array.from({ length: 10 }, (_, i) => `idle-${i}`)
    // The first point creates each file, the second is journaled: that one pins the first segment.
    for (let i = 0; i < 2; i++)
      await store.appendMany(idle.map((id) => ({ id, point: point({ timestamp: i }) })))
    const busy = ['busy-0', 'busy-1']
    let written = 0
    let peak = 0
    let maxSeq = 0
    for (let t = 1; t <= 1500; t++) {
      await store.appendMany(busy.map((id) => ({ id, point: point({ timestamp: t, memoryRss: t * 4096 }) })))
      written += 2 * 89
      peak = Math.max(peak, journalBytes(store.dir))
      const names = segmentNames(store.dir)
      maxSeq = Math.max(maxSeq, Number(names.at(-1)?.slice(8, 18) ?? 0))
    }
    // 267 KB journaled into 1 KiB segments, never more than a few on disk.
    expect(maxSeq).toBeGreaterThan(200)
    expect(written).toBeGreaterThan(200 * SEGMENT_BYTES)
    expect(peak).toBeLessThanOrEqual(8 * SEGMENT_BYTES)
    // The idle agents were checkpointed when the first segment closed without them.
    for (const id of idle) {
      const json = JSON.parse(readFileSync(join(store.dir, `${id}.json`), 'utf8'))
      expect(json.resourceUsage.points.timestamp).toEqual([0, 1])
    }
    expect((await store.get('busy-1'))!.resourceUsage.length).toBe(1440)
  })

  it('a journal past 64 segments makes the agents holding the oldest one checkpoint, whatever their pace', async () => {
    // Nobody reaches checkpointEvery: only the bound frees segments.
    const store = await openStore({ segmentBytes: SEGMENT_BYTES, checkpointEvery: 1_000_000, fsync: false })
    const checkpoints: string[] = []
    store.on('checkpoint', (e) => checkpoints.push(e.id))
    let peak = 0
    for (let t = 1; t <= 1200; t++) {
      await store.appendMany(['a', 'b'].map((id) => ({ id, point: point({ timestamp: t }) })))
      peak = Math.max(peak, segmentNames(store.dir).length)
    }
    expect(checkpoints.length).toBeGreaterThan(0)
    // 64, plus the segments that roll while those checkpoints run.
    expect(peak).toBeGreaterThan(64)
    expect(peak).toBeLessThanOrEqual(64 + 16)
  })
})
