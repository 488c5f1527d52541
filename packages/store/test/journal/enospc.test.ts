import { statSync } from 'node:fs'
import { join } from 'node:path'
import { type CorruptEvent, FileMetadataStore } from '@warden/store'
import { expect, it } from 'vitest'
import { segmentNames } from '../helpers/journal.js'
import { point } from '../helpers/points.js'
import { fillFilesystem, isRoot, withTmpfs } from '../helpers/tmpfs.js'

const IDS = Array.from({ length: 50 }, (_, i) => `agent-${i}`)

it.skipIf(!isRoot)(
  'a full disk during a journal write: the append rejects with StoreIOError and leaves no byte behind, appends work again once space is freed, a reopen shows exactly the acknowledged points (needs root to mount a tmpfs)',
  async () => {
    await withTmpfs(1 << 20, async (mnt) => {
      const dir = join(mnt, 'store')
      const store = new FileMetadataStore({ dir, checkpointEvery: 1_000_000 })
      await store.open()
      const acked = new Map(IDS.map((id) => [id, [] as number[]]))
      let t = 0
      // One tick of 50 agents: a record of ~3.6 KiB, so a page or two of free space runs out within a few.
      const tick = async (): Promise<void> => {
        t++
        const { appended } = await store.appendMany(IDS.map((id) => ({ id, point: point({ timestamp: t }) })))
        expect(appended).toBe(IDS.length)
        for (const id of IDS) acked.get(id)!.push(t)
      }
      let failures = 0
      try {
        // The first tick creates the agents' files, the second starts the journal.
        await tick()
        await tick()
        const segment = join(dir, segmentNames(dir)[0]!)
        for (const pages of [0, 1, 2]) {
          const filler = fillFilesystem(mnt, pages)
          for (let refused = false; !refused; ) {
            const size = statSync(segment).size
            try {
              await tick()
            } catch (error) {
              expect(error).toMatchObject({
                code: 'ERR_STORE_IO',
                operation: 'write the journal segment',
                path: segment,
                cause: expect.objectContaining({ code: 'ENOSPC' }),
              })
              // Cut back to the last good record: no torn frame hides the next ones.
              expect(statSync(segment).size).toBe(size)
              refused = true
              failures++
            }
          }
          filler.remove()
          await tick()
        }
        expect(segmentNames(dir)).toEqual([segment.split('/').pop()])
      } finally {
        await store.close()
      }
      expect(failures).toBe(3)
      const reader = new FileMetadataStore({ dir, readOnly: true })
      const corrupt: CorruptEvent[] = []
      reader.on('corrupt', (e) => corrupt.push(e))
      await reader.open()
      for (const id of IDS) {
        expect((await reader.get(id))!.resourceUsage.range().map((p) => p.timestamp)).toEqual(acked.get(id))
      }
      await reader.close()
      expect(corrupt).toEqual([])
    })
  },
)
