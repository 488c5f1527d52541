import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FileMetadataStore, LOCK_FILE } from '@warden/store'
import { describe, expect, it } from 'vitest'
import { captureUncaught } from '../../../../test/helpers/uncaught.js'
import { point } from '../helpers/points.js'
import { openStore, tempDir } from '../helpers/tmp.js'

const boom = (): never => {
  throw new Error('listener bug')
}

describe('a throwing listener never fails the store operation that emitted', () => {
  it('corrupt: get() and appendResourceData() resolve normally, the error surfaces as uncaught', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'a.json'), 'not json')
    writeFileSync(join(dir, 'b.json'), '{"schemaVersion":')
    const store = await openStore({ dir })
    store.on('corrupt', boom)
    const caught = await captureUncaught(async () => {
      expect(await store.get('a')).toBeUndefined()
      await store.appendResourceData('b', point({ timestamp: 7 }))
    })
    expect(caught).toEqual([new Error('listener bug'), new Error('listener bug')])
    // The append's own work was done: the fresh record is on disk.
    expect(JSON.parse(readFileSync(join(dir, 'b.json'), 'utf8')).resourceUsage.points.timestamp).toEqual([7])
    expect((await store.get('b'))!.resourceUsage.length).toBe(1)
  })

  it('lock:takeover and cleanup: open() resolves with the store open', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, LOCK_FILE), '')
    writeFileSync(join(dir, 'a.json.123'), 'left by a killed writer')
    const store = new FileMetadataStore({ dir })
    store.on('lock:takeover', boom)
    store.on('cleanup', boom)
    const caught = await captureUncaught(() => store.open())
    expect(caught).toHaveLength(2)
    expect(store.isOpen).toBe(true)
    await store.appendResourceData('a', point({ timestamp: 1 }))
    await store.close()
  })
})
