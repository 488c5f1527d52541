import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { type CorruptEvent, FileMetadataStore, ResourceUsageHistory } from '@warden/store'
import { describe, expect, it } from 'vitest'
import { point } from '../helpers/points.js'
import { openStore } from '../helpers/tmp.js'
import { fillFilesystem, isRoot, withTmpfs } from '../helpers/tmpfs.js'

const MINUTE = 60_000

/** A full raw history with non-integer gauges, so the file spans dozens of pages. */
function fullHistory(): ResourceUsageHistory {
  const history = new ResourceUsageHistory()
  for (let i = 0; i < 1440; i++) {
    history.add(point({ timestamp: i * MINUTE, cpuPercent: i / 7, memoryRss: i * 4096 + 0.5 }))
  }
  return history
}

describe('atomic write', () => {
  it('record files are owner-only, whatever the umask', async () => {
    const store = await openStore()
    await store.appendResourceData('a', point({ timestamp: 1 }))
    expect(statSync(join(store.dir, 'a.json')).mode & 0o077).toBe(0)
    // And so are journal segments (a later point is journaled).
    await store.appendResourceData('a', point({ timestamp: 2 }))
    expect(statSync(join(store.dir, 'journal-0000000001.wal')).mode & 0o077).toBe(0)
  })

  it.skipIf(!isRoot)(
    'on a filesystem with 1-5 free pages a file write fails with StoreIOError and the old file stays whole (needs root to mount a tmpfs)',
    async () => {
      await withTmpfs(1 << 20, async (mnt) => {
        const dir = join(mnt, 'store')
        const path = join(dir, 'a.json')
        const store = new FileMetadataStore({ dir })
        await store.open()
        let t = 1440 * MINUTE
        try {
          await store.save({ id: 'a', restartCount: 0, updatedAt: 0, resourceUsage: fullHistory() })
          const before = readFileSync(path)
          expect(before.length).toBeGreaterThan(10 * 4096)
          for (const pages of [1, 3, 5]) {
            const filler = fillFilesystem(mnt, pages)
            // A whole-file write (appends go to the journal: test/journal/enospc.test.ts).
            const write = store.update('a', (m) => {
              m.resourceUsage.add(point({ timestamp: t }))
            })
            await expect(write).rejects.toMatchObject({
              code: 'ERR_STORE_IO',
              operation: 'write',
              path,
              cause: expect.objectContaining({ code: 'ENOSPC' }),
            })
            expect(readFileSync(path)).toEqual(before)
            expect(readdirSync(dir).sort()).toEqual(['.warden-store.lock', 'a.json'])
            filler.remove()
          }
          // Space back: the store carries on from what is on disk, without the refused point.
          t++
          await store.appendResourceData('a', point({ timestamp: t }))
        } finally {
          await store.close()
        }
        const reader = new FileMetadataStore({ dir, readOnly: true })
        const corrupt: CorruptEvent[] = []
        reader.on('corrupt', (e) => corrupt.push(e))
        await reader.open()
        const timestamps = (await reader.get('a'))!.resourceUsage.range().map((p) => p.timestamp)
        await reader.close()
        expect(corrupt).toEqual([])
        expect(timestamps).toHaveLength(1440)
        expect(timestamps[0]).toBe(MINUTE)
        expect(timestamps.at(-2)).toBe(1439 * MINUTE)
        expect(timestamps.at(-1)).toBe(t)
      })
    },
  )
})
