import { lstatSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type CorruptEvent,
  FileMetadataStore,
  LOCK_FILE,
  type LockTakeoverEvent,
  NotRegularFileError,
  ResourceUsageHistory,
} from '@warden/store'
import { describe, expect, it } from 'vitest'
import { point } from '../helpers/points.js'
import { openStore, tempDir } from '../helpers/tmp.js'

/** A valid record of agent `a` outside the store directory: reading through a link would accept it. */
async function outsideRecord(): Promise<{ path: string; bytes: Buffer }> {
  const outside = await openStore()
  await outside.update('a', (m) => {
    m.status = 'outside'
  })
  await outside.appendResourceData('a', point({ timestamp: 1 }))
  await outside.close()
  const path = join(outside.dir, 'a.json')
  return { path, bytes: readFileSync(path) }
}

const OPERATIONS: [string, (store: FileMetadataStore) => Promise<unknown>][] = [
  ['appendResourceData', (s) => s.appendResourceData('a', point({ timestamp: 2 }))],
  [
    'save',
    (s) => s.save({ id: 'a', restartCount: 0, updatedAt: 0, resourceUsage: new ResourceUsageHistory() }),
  ],
  [
    'update',
    (s) =>
      s.update('a', (m) => {
        m.status = 'inside'
      }),
  ],
]

describe('symlinks inside the store directory are never followed', () => {
  it.each(OPERATIONS)(
    '%s on a <id>.json that links outside: the link is set aside as corrupt, the outside file is unchanged',
    async (_, operation) => {
      const target = await outsideRecord()
      const dir = tempDir()
      const path = join(dir, 'a.json')
      symlinkSync(target.path, path)
      const store = await openStore({ dir })
      const events: CorruptEvent[] = []
      store.on('corrupt', (e) => events.push(e))

      await operation(store)

      expect(readFileSync(target.path)).toEqual(target.bytes)
      expect(lstatSync(path).isFile()).toBe(true)
      expect((await store.get('a'))!.status).not.toBe('outside')
      expect(events).toHaveLength(1)
      expect(events[0]!.error.cause).toBeInstanceOf(NotRegularFileError)
      expect(events[0]!.error.cause).toMatchObject({
        code: 'ERR_STORE_NOT_REGULAR_FILE',
        kind: 'a symbolic link',
      })
      // The link itself was moved aside, still pointing where it did.
      expect(lstatSync(events[0]!.quarantinePath!).isSymbolicLink()).toBe(true)
    },
  )

  it('get of a linked <id>.json reports it corrupt instead of reading through; a read-only store leaves it', async () => {
    const target = await outsideRecord()
    const dir = tempDir()
    symlinkSync(target.path, join(dir, 'a.json'))
    const reader = await openStore({ dir, readOnly: true })
    const seen: CorruptEvent[] = []
    reader.on('corrupt', (e) => seen.push(e))
    expect(await reader.get('a')).toBeUndefined()
    expect(seen).toMatchObject([{ id: 'a', quarantinePath: null }])
    expect(lstatSync(join(dir, 'a.json')).isSymbolicLink()).toBe(true)

    const writer = await openStore({ dir })
    expect(await writer.get('a')).toBeUndefined()
    expect(readFileSync(target.path)).toEqual(target.bytes)
    expect(readdirSync(dir).filter((n) => n.startsWith('a.json'))).toEqual([
      expect.stringMatching(/^a\.json\.corrupt-\d+$/),
    ])
  })

  it('delete removes the link, not its target', async () => {
    const target = await outsideRecord()
    const dir = tempDir()
    symlinkSync(target.path, join(dir, 'a.json'))
    const store = await openStore({ dir })
    expect(await store.delete('a')).toBe(true)
    expect(readdirSync(dir)).toEqual([LOCK_FILE])
    expect(readFileSync(target.path)).toEqual(target.bytes)
  })

  it('open neither reads nor writes through a linked lock file or a linked temp-file name', async () => {
    const outside = tempDir()
    // What a live holder's lock looks like: read through the link it would lock us out.
    const lockTarget = join(outside, 'lock')
    writeFileSync(lockTarget, readFileSync(join((await openStore()).dir, LOCK_FILE)))
    const tempTarget = join(outside, 'temp')
    writeFileSync(tempTarget, 'precious')
    const lockBytes = readFileSync(lockTarget)
    const dir = tempDir()
    symlinkSync(lockTarget, join(dir, LOCK_FILE))
    symlinkSync(tempTarget, join(dir, 'a.json.123'))

    const store = new FileMetadataStore({ dir })
    const takeovers: LockTakeoverEvent[] = []
    store.on('lock:takeover', (e) => takeovers.push(e))
    await store.open()
    await store.appendResourceData('a', point({ timestamp: 1 }))
    await store.close()

    expect(takeovers).toEqual([{ lockPath: join(dir, LOCK_FILE), previousPid: null }])
    expect(readFileSync(lockTarget)).toEqual(lockBytes)
    expect(readFileSync(tempTarget, 'utf8')).toBe('precious')
    expect(readdirSync(dir)).toEqual(['a.json'])
  })

  it('the store directory itself may be a symlink', async () => {
    const real = tempDir()
    const link = join(tempDir(), 'store')
    symlinkSync(real, link)
    const store = await openStore({ dir: link })
    await store.appendResourceData('a', point({ timestamp: 1 }))
    expect(readdirSync(real).sort()).toEqual([LOCK_FILE, 'a.json'])
    expect((await store.get('a'))!.resourceUsage.length).toBe(1)
  })
})
