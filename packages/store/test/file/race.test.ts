import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { FileMetadataStore, LOCK_FILE, ResourceUsageHistory } from '@warden/store'
import { describe, expect, it } from 'vitest'
import { point } from '../helpers/points.js'
import { openStore, tempDir } from '../helpers/tmp.js'

const IDS = ['a', 'b', 'c', 'd']

/** The files of `dir` and their bytes, to prove nothing was written. */
function snapshot(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), 'latin1')]))
}

describe('public calls interleaved with close()', () => {
  it('everything called before close() is written before it resolves; everything after rejects with StoreClosedError and writes nothing', async () => {
    const store = await openStore()
    const dir = store.dir
    const before: Promise<unknown>[] = []
    const appended = new Map(IDS.map((id) => [id, [] as number[]]))
    const updates = new Map(IDS.map((id) => [id, 0]))
    for (let n = 0; n < 200; n++) {
      const id = IDS[n % IDS.length]!
      before.push(store.appendResourceData(id, point({ timestamp: n })))
      appended.get(id)!.push(n)
      if (n % 5 === 0) {
        updates.set(id, updates.get(id)! + 1)
        before.push(
          store.update(id, (m) => {
            m.restartCount++
          }),
        )
      }
      if (n % 25 === 0) before.push(store.get(id), store.list())
      if (n % 50 === 0) {
        before.push(
          store.save({
            id: 'gone',
            restartCount: n,
            updatedAt: 0,
            resourceUsage: new ResourceUsageHistory(),
          }),
        )
        before.push(store.delete('gone'))
      }
    }
    const closing = store.close()
    // Settled at once, so their rejections are handled.
    const after = Promise.allSettled([
      store.appendResourceData('a', point({ timestamp: 1000 })),
      store.save({ id: 'late', restartCount: 0, updatedAt: 0, resourceUsage: new ResourceUsageHistory() }),
      store.update('b', (m) => {
        m.status = 'late'
      }),
      store.delete('c'),
      store.get('d'),
      store.list(),
    ])
    const settledBefore = Promise.allSettled(before)
    await closing
    // close() resolved: every queued write is on disk and the lock is released.
    const onDisk = snapshot(dir)
    expect([...onDisk.keys()].sort()).toEqual(IDS.map((id) => `${id}.json`))
    for (const result of await settledBefore) expect(result.status).toBe('fulfilled')
    for (const result of await after) {
      expect(result).toMatchObject({ status: 'rejected', reason: { code: 'ERR_STORE_CLOSED' } })
    }
    expect(snapshot(dir)).toEqual(onDisk)

    const reader = await openStore({ dir, readOnly: true })
    for (const id of IDS) {
      const meta = (await reader.get(id))!
      expect(meta.resourceUsage.range().map((p) => p.timestamp)).toEqual(appended.get(id))
      expect(meta.restartCount).toBe(updates.get(id))
      expect(meta.status).toBeUndefined()
    }
  })

  it('close() during open() closes what the open opened; open() during close() opens again', async () => {
    const dir = tempDir()
    const store = new FileMetadataStore({ dir })
    await Promise.all([store.open(), store.close()])
    expect(store.isOpen).toBe(false)
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false)

    await store.open()
    await Promise.all([store.close(), store.open()])
    expect(store.isOpen).toBe(true)
    await store.appendResourceData('a', point({ timestamp: 1 }))
    await store.close()
  })

  it('a second close() waits for the queued writes as the first does', async () => {
    const store = await openStore()
    const writes = Array.from({ length: 20 }, (_, n) =>
      store.appendResourceData('a', point({ timestamp: n })),
    )
    void store.close()
    await store.close()
    const json = JSON.parse(readFileSync(join(store.dir, 'a.json'), 'utf8'))
    expect(json.resourceUsage.points.timestamp).toHaveLength(20)
    expect(existsSync(join(store.dir, LOCK_FILE))).toBe(false)
    await Promise.all(writes)
  })
})
