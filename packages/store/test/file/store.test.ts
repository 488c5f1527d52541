import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FileMetadataStore, ResourceUsageHistory, SCHEMA_VERSION } from '@warden/store'
import { describe, expect, it } from 'vitest'
import { point } from '../helpers/points.js'
import { openStore, tempDir } from '../helpers/tmp.js'

describe('FileMetadataStore', () => {
  it('update creates a fresh record, persists it with schemaVersion and get reads it back', async () => {
    const store = await openStore()
    const before = Date.now()
    const saved = await store.update('web-1', (m) => {
      m.status = 'running'
      m.startTime = 123
      m.restartCount = 2
      m.lastExit = { code: 1, signal: null, at: 100 }
      m.lastError = { code: 'ENOENT', message: 'spawn failed', at: 90 }
      m.labels = { team: 'a' }
    })
    expect(saved).toMatchObject({ id: 'web-1', status: 'running', restartCount: 2, startTime: 123 })
    expect(saved.updatedAt).toBeGreaterThanOrEqual(before)
    const json = JSON.parse(readFileSync(join(store.dir, 'web-1.json'), 'utf8'))
    expect(json).toMatchObject({
      schemaVersion: SCHEMA_VERSION,
      id: 'web-1',
      status: 'running',
      labels: { team: 'a' },
    })
    const got = await store.get('web-1')
    expect(got).toMatchObject({
      lastExit: { code: 1, signal: null, at: 100 },
      lastError: { message: 'spawn failed' },
    })
    expect(got!.resourceUsage).toBeInstanceOf(ResourceUsageHistory)
    expect(await store.get('nobody')).toBeUndefined()
  })

  it('update may return a new object; a throwing fn writes nothing', async () => {
    const store = await openStore()
    await store.update('a', (m) => ({ ...m, type: 'worker' }))
    await expect(
      store.update('a', (m) => {
        m.type = 'changed'
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect((await store.get('a'))!.type).toBe('worker')
    await expect(store.update('a', (m) => ({ ...m, id: 'b' }))).rejects.toMatchObject({
      code: 'ERR_WARDEN_INVALID_OPTION',
      option: 'meta.id',
    })
    await expect(store.update('a', (m) => ({ ...m, restartCount: -1 }))).rejects.toMatchObject({
      option: 'meta.restartCount',
    })
  })

  it('get and update hand out copies: mutating them changes nothing stored', async () => {
    const store = await openStore()
    await store.appendResourceData('a', point({ timestamp: 1 }))
    const got = await store.get('a')
    got!.status = 'hacked'
    got!.resourceUsage.add(point({ timestamp: 2 }))
    await store.appendResourceData('a', point({ timestamp: 3 }))
    const again = await store.get('a')
    expect(again!.status).toBeUndefined()
    expect(again!.resourceUsage.range().map((p) => p.timestamp)).toEqual([1, 3])
  })

  it('save replaces the record with a copy of what it was given', async () => {
    const store = await openStore()
    const history = new ResourceUsageHistory()
    history.add(point({ timestamp: 5, memoryRss: 42 }))
    const meta = { id: 'x', restartCount: 0, updatedAt: 0, resourceUsage: history, status: 'stopped' }
    await store.save(meta)
    meta.status = 'later'
    history.add(point({ timestamp: 6 }))
    const got = await store.get('x')
    expect(got!.status).toBe('stopped')
    expect(got!.resourceUsage.range()).toEqual([point({ timestamp: 5, memoryRss: 42 })])
    expect(got!.updatedAt).toBeGreaterThan(0)
  })

  it('a record without resourceUsage keeps the stored history instead of emptying it', async () => {
    const store = await openStore()
    await store.appendResourceData('a', point({ timestamp: 1 }))
    await store.save({ id: 'a', restartCount: 1, updatedAt: 0 } as never)
    await store.update('a', (m) => ({ id: m.id, restartCount: 2, updatedAt: 0 }) as never)
    const got = await store.get('a')
    expect(got!.restartCount).toBe(2)
    expect(got!.resourceUsage.range().map((p) => p.timestamp)).toEqual([1])
    await store.save({ id: 'fresh', restartCount: 0, updatedAt: 0 } as never)
    expect((await store.get('fresh'))!.resourceUsage.length).toBe(0)
  })

  it('rejects a resourceUsage that is not a history, and fields that cannot be cloned', async () => {
    const store = await openStore()
    await expect(
      store.save({ id: 'a', restartCount: 0, updatedAt: 0, resourceUsage: { points: [] } } as never),
    ).rejects.toMatchObject({
      code: 'ERR_WARDEN_INVALID_OPTION',
      option: 'meta.resourceUsage',
    })
    await expect(
      store.save({ id: 'a', restartCount: 0, updatedAt: 0, fn: () => 1 } as never),
    ).rejects.toMatchObject({
      code: 'ERR_WARDEN_INVALID_OPTION',
      option: 'meta',
    })
    expect(await store.list()).toEqual([])
  })

  it('list gives the ids with files; delete removes one and says whether it existed', async () => {
    const store = await openStore()
    await store.update('b', () => undefined)
    await store.update('a', () => undefined)
    writeFileSync(join(store.dir, 'notes.txt'), 'x')
    expect(await store.list()).toEqual(['a', 'b'])
    expect(await store.delete('a')).toBe(true)
    expect(await store.delete('a')).toBe(false)
    expect(await store.list()).toEqual(['b'])
    expect(await store.get('a')).toBeUndefined()
  })

  it('1000 concurrent appendResourceData calls over 10 ids lose no point', async () => {
    const store = await openStore()
    const ids = Array.from({ length: 10 }, (_, i) => `agent-${i}`)
    await Promise.all(
      Array.from({ length: 1000 }, (_, n) =>
        store.appendResourceData(ids[n % 10]!, point({ timestamp: n, threads: n })),
      ),
    )
    // Read back through a second store so the check goes through the files, not the cache.
    await store.close()
    const reader = await openStore({ dir: store.dir, readOnly: true })
    for (const [i, id] of ids.entries()) {
      const points = (await reader.get(id))!.resourceUsage.range()
      expect(points.map((p) => p.threads)).toEqual(Array.from({ length: 100 }, (_, k) => k * 10 + i))
    }
  })

  it('concurrent updates of one id all apply, in call order', async () => {
    const store = await openStore()
    const order: number[] = []
    await Promise.all(
      Array.from({ length: 50 }, (_, n) =>
        store.update('c', (m) => {
          order.push(n)
          m.restartCount++
        }),
      ),
    )
    expect((await store.get('c'))!.restartCount).toBe(50)
    expect(order).toEqual(Array.from({ length: 50 }, (_, n) => n))
  })

  it('a rejected point writes nothing and leaves the record as it was', async () => {
    const store = await openStore()
    await store.appendResourceData('a', point({ timestamp: 10 }))
    await expect(store.appendResourceData('a', point({ timestamp: 5 }))).rejects.toMatchObject({
      code: 'ERR_STORE_OUT_OF_ORDER',
    })
    await expect(
      store.appendResourceData('a', point({ timestamp: 11, memoryRss: -1 })),
    ).rejects.toMatchObject({
      code: 'ERR_STORE_INVALID_DATA_POINT',
    })
    await expect(store.appendResourceData('new', { timestamp: 'x' } as never)).rejects.toMatchObject({
      code: 'ERR_STORE_INVALID_DATA_POINT',
    })
    expect(await store.list()).toEqual(['a'])
    expect((await store.get('a'))!.resourceUsage.length).toBe(1)
  })

  it('writes non-ASCII metadata as valid UTF-8 JSON next to the history', async () => {
    const store = await openStore()
    await store.update('a', (m) => {
      m.labels = { team: 'équipe 🚀', note: 'line\nbreak "quoted"' }
      m.lastError = { message: 'ошибка', at: 1 }
    })
    await store.appendResourceData('a', point({ timestamp: 1, cpuPercent: 0.5 }))
    // The point is journaled; close() checkpoints it into the file.
    await store.close()
    const json = JSON.parse(readFileSync(join(store.dir, 'a.json'), 'utf8'))
    expect(json.labels).toEqual({ team: 'équipe 🚀', note: 'line\nbreak "quoted"' })
    expect(json.lastError.message).toBe('ошибка')
    expect(json.resourceUsage.points.cpuPercent).toEqual([0.5])
  })

  it('keeps fields it does not know across a rewrite', async () => {
    const dir = tempDir()
    const store = await openStore({ dir })
    await store.update('a', () => undefined)
    await store.close()
    const path = join(dir, 'a.json')
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), custom: { x: 1 } }))
    const again = await openStore({ dir })
    await again.appendResourceData('a', point({ timestamp: 1 }))
    expect(JSON.parse(readFileSync(path, 'utf8')).custom).toEqual({ x: 1 })
  })

  it('applies its history options to new agents and adapts loaded files to them', async () => {
    const dir = tempDir()
    const store = await openStore({ dir, history: { maxSize: 5, tiers: [] } })
    for (let t = 0; t < 8; t++) await store.appendResourceData('a', point({ timestamp: t }))
    expect((await store.get('a'))!.resourceUsage.range().map((p) => p.timestamp)).toEqual([3, 4, 5, 6, 7])
    await store.close()
    const smaller = await openStore({ dir, history: { maxSize: 2, tiers: [{ intervalMs: 10, size: 2 }] } })
    const h = (await smaller.get('a'))!.resourceUsage
    expect(h.maxSize).toBe(2)
    expect(h.range().map((p) => p.timestamp)).toEqual([6, 7])
    expect(h.tiers).toEqual([{ intervalMs: 10, size: 2 }])
  })

  it('refuses a file from a newer schemaVersion and never overwrites it', async () => {
    const dir = tempDir()
    const future = JSON.stringify({ schemaVersion: SCHEMA_VERSION + 1, id: 'a', somethingNew: true })
    writeFileSync(join(dir, 'a.json'), future)
    const store = await openStore({ dir })
    const corrupt: unknown[] = []
    store.on('corrupt', (e) => corrupt.push(e))
    const expected = {
      code: 'ERR_STORE_UNSUPPORTED_SCHEMA',
      schemaVersion: SCHEMA_VERSION + 1,
      supported: SCHEMA_VERSION,
    }
    await expect(store.get('a')).rejects.toMatchObject(expected)
    await expect(store.appendResourceData('a', point({ timestamp: 1 }))).rejects.toMatchObject(expected)
    await expect(store.update('a', () => undefined)).rejects.toMatchObject(expected)
    await expect(
      store.save({ id: 'a', restartCount: 0, updatedAt: 0, resourceUsage: new ResourceUsageHistory() }),
    ).rejects.toMatchObject(expected)
    await expect(store.get('a')).rejects.toThrow(
      /has schemaVersion 2 \(number\); this version of @warden\/store reads up to 1 and will not overwrite it/,
    )
    expect(readFileSync(join(dir, 'a.json'), 'utf8')).toBe(future)
    expect(corrupt).toEqual([])
  })

  it('with fsync: false still writes atomically', async () => {
    const store = await openStore({ fsync: false })
    await store.appendResourceData('a', point({ timestamp: 1 }))
    expect(
      JSON.parse(readFileSync(join(store.dir, 'a.json'), 'utf8')).resourceUsage.points.timestamp,
    ).toEqual([1])
  })

  it('serves appends from its cache: a tick does not re-read the file', async () => {
    const store = await openStore()
    await store.appendResourceData('a', point({ timestamp: 1 }))
    // Only this process writes the directory; what is on disk is what is cached.
    writeFileSync(join(store.dir, 'a.json'), 'garbage that would be quarantined if read')
    await store.appendResourceData('a', point({ timestamp: 2 }))
    // close() checkpoints the cached record over the garbage without reading it.
    await store.close()
    const json = JSON.parse(readFileSync(join(store.dir, 'a.json'), 'utf8'))
    expect(json.resourceUsage.points.timestamp).toEqual([1, 1])
  })

  it('throws StoreClosedError before open and after close, StoreReadOnlyError for read-only mutations', async () => {
    const dir = tempDir()
    const store = new FileMetadataStore({ dir })
    await expect(store.get('a')).rejects.toMatchObject({ code: 'ERR_STORE_CLOSED' })
    await store.open()
    const pending = store.appendResourceData('a', point({ timestamp: 1 }))
    await store.close()
    await pending
    await expect(store.appendResourceData('a', point({ timestamp: 2 }))).rejects.toMatchObject({
      code: 'ERR_STORE_CLOSED',
    })
    const reader = await openStore({ dir, readOnly: true })
    expect((await reader.get('a'))!.resourceUsage.length).toBe(1)
    expect(await reader.list()).toEqual(['a'])
    await expect(reader.update('a', () => undefined)).rejects.toMatchObject({ code: 'ERR_STORE_READ_ONLY' })
    await expect(reader.appendResourceData('a', point({ timestamp: 3 }))).rejects.toMatchObject({
      code: 'ERR_STORE_READ_ONLY',
    })
    await expect(reader.delete('a')).rejects.toMatchObject({ code: 'ERR_STORE_READ_ONLY' })
    // A store can be reopened after close; open() is idempotent.
    await Promise.all([store.open(), store.open()])
    await store.open()
    await store.close()
    await store.open()
    await store.appendResourceData('a', point({ timestamp: 2 }))
    await store.close()
  })

  it('a read-only open of a missing directory fails clearly; a writer creates it', async () => {
    const dir = join(tempDir(), 'nested', 'store')
    await expect(openStore({ dir, readOnly: true })).rejects.toMatchObject({ code: 'ERR_STORE_IO' })
    const store = await openStore({ dir })
    await store.update('a', () => undefined)
    expect(readdirSync(dir).sort()).toEqual(['.warden-store.lock', 'a.json'])
  })

  it.each([
    [null, 'options'],
    [{}, 'dir'],
    [{ dir: '' }, 'dir'],
    [{ dir: '/tmp/x', fsync: 'yes' }, 'fsync'],
    [{ dir: '/tmp/x', readOnly: 1 }, 'readOnly'],
    [{ dir: '/tmp/x', history: { maxSize: -1 } }, 'history.maxSize'],
    [{ dir: '/tmp/x', checkpointEvery: 0 }, 'checkpointEvery'],
    [{ dir: '/tmp/x', checkpointEvery: 2.5 }, 'checkpointEvery'],
    [{ dir: '/tmp/x', checkpointEvery: 2_000_000 }, 'checkpointEvery'],
    [{ dir: '/tmp/x', segmentBytes: 100 }, 'segmentBytes'],
    [{ dir: '/tmp/x', segmentBytes: 2 ** 31 }, 'segmentBytes'],
    [{ dir: '/tmp/x', segmentBytes: '4M' }, 'segmentBytes'],
  ])('rejects options %o naming %s', (opts, option) => {
    expect(() => new FileMetadataStore(opts as never)).toThrow(
      expect.objectContaining({ code: 'ERR_WARDEN_INVALID_OPTION', option }),
    )
  })
})
