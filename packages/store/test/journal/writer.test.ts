import { readFileSync, statSync } from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'
import { join } from 'node:path'
import type { FileMetadataStore } from '@warden/store'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { segmentNames } from '../helpers/journal.js'
import { point } from '../helpers/points.js'
import { openStore } from '../helpers/tmp.js'

type Proto = {
  write: FileHandle['write']
  datasync: FileHandle['datasync']
  sync: FileHandle['sync']
}
let proto: Proto
beforeAll(async () => {
  const handle = await open('/dev/null', 'r')
  proto = Object.getPrototypeOf(handle) as Proto
  await handle.close()
})
afterEach(() => {
  vi.restoreAllMocks()
})

const NO_CHECKPOINTS = { checkpointEvery: 1_000_000 }
const IDS = Array.from({ length: 100 }, (_, i) => `agent-${i}`)

/**
 * A writer whose agents are all loaded and whose journal segment exists (an agent's first point
 * creates its file, the second is journaled): the next commits do nothing else.
 */
async function warmStore(opts = {}): Promise<FileMetadataStore> {
  const store = await openStore({ ...NO_CHECKPOINTS, ...opts })
  for (let i = 0; i < 2; i++)
    await store.appendMany(IDS.map((id) => ({ id, point: point({ timestamp: 0 }) })))
  return store
}

async function timestampsOf(dir: string, id: string): Promise<number[]> {
  const reader = await openStore({ dir, readOnly: true })
  return (await reader.get(id))!.resourceUsage.range().map((p) => p.timestamp)
}

describe('group commit', () => {
  it('1000 concurrent appendResourceData calls make one write and one fsync', async () => {
    const store = await warmStore()
    const writes = vi.spyOn(proto, 'write')
    const datasyncs = vi.spyOn(proto, 'datasync')
    const syncs = vi.spyOn(proto, 'sync')
    await Promise.all(
      Array.from({ length: 1000 }, (_, n) =>
        store.appendResourceData(IDS[n % IDS.length]!, point({ timestamp: 1 + Math.floor(n / IDS.length) })),
      ),
    )
    expect(writes).toHaveBeenCalledTimes(1)
    expect(datasyncs).toHaveBeenCalledTimes(1)
    expect(syncs).not.toHaveBeenCalled()
    expect(await timestampsOf(store.dir, 'agent-7')).toEqual([0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  })

  it('appends arriving while a commit is in flight all go into the next one', async () => {
    const store = await warmStore()
    const datasync = proto.datasync
    const late: Promise<void>[] = []
    const datasyncs = vi.spyOn(proto, 'datasync').mockImplementationOnce(function (this: FileHandle) {
      for (const id of IDS) late.push(store.appendResourceData(id, point({ timestamp: 2 })))
      return datasync.call(this)
    })
    await store.appendMany(IDS.map((id) => ({ id, point: point({ timestamp: 1 }) })))
    await Promise.all(late)
    expect(datasyncs).toHaveBeenCalledTimes(2)
    expect(await timestampsOf(store.dir, 'agent-99')).toEqual([0, 0, 1, 2])
  })

  it('with fsync: false a commit is one write and no fsync', async () => {
    const store = await warmStore({ fsync: false })
    const writes = vi.spyOn(proto, 'write')
    const datasyncs = vi.spyOn(proto, 'datasync')
    await Promise.all(IDS.map((id) => store.appendResourceData(id, point({ timestamp: 1 }))))
    expect(writes).toHaveBeenCalledTimes(1)
    expect(datasyncs).not.toHaveBeenCalled()
  })

  it('short writes are continued until every byte is written', async () => {
    const store = await warmStore()
    const write = proto.write as (this: FileHandle, ...a: unknown[]) => Promise<{ bytesWritten: number }>
    // Each write(2) takes at most 7 bytes, as a filling disk may.
    const writes = vi.spyOn(proto, 'write').mockImplementation(function (
      this: FileHandle,
      ...args: unknown[]
    ) {
      const [buf, offset, length, position] = args as [Buffer, number, number, number]
      return write.call(this, buf, offset, Math.min(7, length), position) as never
    })
    await store.appendMany(IDS.map((id) => ({ id, point: point({ timestamp: 1 }) })))
    expect(writes.mock.calls.length).toBeGreaterThan(100)
    vi.restoreAllMocks()
    expect(await timestampsOf(store.dir, 'agent-0')).toEqual([0, 0, 1])
  })

  it('a write that fails part-way is cut back: the append rejects, nothing reaches memory, the next append lands where it was', async () => {
    const store = await warmStore()
    const [name] = segmentNames(store.dir)
    const path = join(store.dir, name!)
    const before = statSync(path).size
    const write = proto.write as (this: FileHandle, ...a: unknown[]) => Promise<{ bytesWritten: number }>
    let calls = 0
    vi.spyOn(proto, 'write').mockImplementation(function (this: FileHandle, ...args: unknown[]) {
      const [buf, offset, length, position] = args as [Buffer, number, number, number]
      if (++calls === 1) return write.call(this, buf, offset, Math.floor(length / 2), position) as never
      return Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }))
    })
    await expect(store.appendResourceData('agent-1', point({ timestamp: 5 }))).rejects.toMatchObject({
      code: 'ERR_STORE_IO',
      operation: 'write the journal segment',
      path,
      cause: expect.objectContaining({ code: 'ENOSPC' }),
    })
    vi.restoreAllMocks()
    expect(statSync(path).size).toBe(before)
    expect((await store.get('agent-1'))!.resourceUsage.length).toBe(2)
    await store.appendResourceData('agent-1', point({ timestamp: 6 }))
    expect(segmentNames(store.dir)).toEqual([name])
    expect(await timestampsOf(store.dir, 'agent-1')).toEqual([0, 0, 6])
  })

  it('a batch whose journal write fails rejects (nothing appended), unless a new agent got its file first: then the journaled entries are listed as failed', async () => {
    const store = await warmStore()
    const write = proto.write as (this: FileHandle, ...a: unknown[]) => Promise<{ bytesWritten: number }>
    // Journal writes land past a segment's header; a new file's temp file is written from byte 0.
    vi.spyOn(proto, 'write').mockImplementation(function (this: FileHandle, ...args: unknown[]) {
      if ((args[3] as number) > 0) {
        return Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }))
      }
      return write.apply(this, args) as never
    })
    await expect(store.appendMany([{ id: 'agent-2', point: point({ timestamp: 5 }) }])).rejects.toMatchObject(
      {
        code: 'ERR_STORE_IO',
      },
    )
    const result = await store.appendMany([
      { id: 'agent-1', point: point({ timestamp: 5 }) },
      { id: 'fresh', point: point({ timestamp: 5 }) },
    ])
    expect(result.appended).toBe(1)
    expect(result.failed).toMatchObject([{ index: 0, id: 'agent-1', error: { code: 'ERR_STORE_IO' } }])
    vi.restoreAllMocks()
    expect(await timestampsOf(store.dir, 'fresh')).toEqual([5])
    expect(await timestampsOf(store.dir, 'agent-1')).toEqual([0, 0])
    expect(await timestampsOf(store.dir, 'agent-2')).toEqual([0, 0])
  })

  it('a failed fsync cuts the record back and retires the segment: its bytes are never rewritten', async () => {
    const store = await warmStore()
    const [name] = segmentNames(store.dir)
    const before = readFileSync(join(store.dir, name!))
    vi.spyOn(proto, 'datasync').mockRejectedValueOnce(Object.assign(new Error('EIO'), { code: 'EIO' }))
    await expect(store.appendResourceData('agent-1', point({ timestamp: 5 }))).rejects.toMatchObject({
      code: 'ERR_STORE_IO',
      operation: 'fsync the journal segment',
    })
    expect(readFileSync(join(store.dir, name!))).toEqual(before)
    await store.appendResourceData('agent-1', point({ timestamp: 6 }))
    expect(segmentNames(store.dir)).toHaveLength(2)
    expect(readFileSync(join(store.dir, name!))).toEqual(before)
    expect(await timestampsOf(store.dir, 'agent-1')).toEqual([0, 0, 6])
  })
})
