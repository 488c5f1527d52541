import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type AppendManyResult, FileMetadataStore, ResourceUsageHistory, SCHEMA_VERSION } from '@warden/store'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { point } from '../helpers/points.js'
import { openStore, tempDir } from '../helpers/tmp.js'

afterEach(() => {
  vi.restoreAllMocks()
})

describe('appendMany', () => {
  it('applies a large batch in slices of at most 256 points, the event loop turning between them', async () => {
    const store = await openStore({ fsync: false })
    const ids = Array.from({ length: 600 }, (_, i) => `agent-${i}`)
    await store.appendMany(ids.map((id) => ({ id, point: point({ timestamp: 1 }) })))
    // A setImmediate chain counts the loop's turns; each applied point notes the count it ran in.
    let turns = 0
    let ticker = setImmediate(function tick() {
      turns++
      ticker = setImmediate(tick)
    })
    const perTurn = new Map<number, number>()
    const add = ResourceUsageHistory.prototype.add
    vi.spyOn(ResourceUsageHistory.prototype, 'add').mockImplementation(function (
      this: ResourceUsageHistory,
      p,
    ) {
      perTurn.set(turns, (perTurn.get(turns) ?? 0) + 1)
      add.call(this, p)
    })
    try {
      const { appended } = await store.appendMany(ids.map((id) => ({ id, point: point({ timestamp: 2 }) })))
      expect(appended).toBe(600)
    } finally {
      clearImmediate(ticker)
    }
    expect([...perTurn.values()].reduce((a, b) => a + b)).toBe(600)
    expect(perTurn.size).toBeGreaterThanOrEqual(3)
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(256)
    expect((await store.get('agent-599'))!.resourceUsage.range().map((p) => p.timestamp)).toEqual([1, 2])
  })

  it('appends a tick in one record; refused entries are listed with their coded error and index, the rest appended', async () => {
    const dir = tempDir()
    writeFileSync(
      join(dir, 'future.json'),
      JSON.stringify({ schemaVersion: SCHEMA_VERSION + 1, id: 'future' }),
    )
    const store = await openStore({ dir })
    await store.appendResourceData('old', point({ timestamp: 100 }))
    const result = await store.appendMany([
      { id: 'a', point: point({ timestamp: 1 }) },
      { id: '../etc', point: point({ timestamp: 1 }) },
      { id: 'b', point: point({ timestamp: 1, memoryRss: -1 }) },
      { id: 'old', point: point({ timestamp: 50 }) },
      { id: 'a', point: point({ timestamp: 2 }) },
      // Older than the point of the same batch just before it.
      { id: 'a', point: point({ timestamp: 0 }) },
      { id: 'future', point: point({ timestamp: 1 }) },
      null as never,
      { id: 'b', point: point({ timestamp: 3 }) },
      { id: 'old', point: point({ timestamp: 100 }) },
    ])
    expect(result.appended).toBe(4)
    expect(result.failed.map((f) => [f.index, f.id, (f.error as { code?: string }).code])).toEqual([
      [1, '../etc', 'ERR_WARDEN_INVALID_AGENT_ID'],
      [2, 'b', 'ERR_STORE_INVALID_DATA_POINT'],
      [3, 'old', 'ERR_STORE_OUT_OF_ORDER'],
      [5, 'a', 'ERR_STORE_OUT_OF_ORDER'],
      [6, 'future', 'ERR_STORE_UNSUPPORTED_SCHEMA'],
      [7, 'undefined', 'ERR_WARDEN_INVALID_OPTION'],
    ])
    const ts = async (s: FileMetadataStore, id: string) =>
      (await s.get(id))?.resourceUsage.range().map((p) => p.timestamp)
    expect(await ts(store, 'a')).toEqual([1, 2])
    expect(await ts(store, 'b')).toEqual([3])
    expect(await ts(store, 'old')).toEqual([100, 100])
    expect(await store.list()).toEqual(['a', 'b', 'future', 'old'])
    const reader = await openStore({ dir, readOnly: true })
    expect(await ts(reader, 'a')).toEqual([1, 2])
    expect(await ts(reader, 'old')).toEqual([100, 100])
  })

  it('an empty batch, or one with nothing valid, writes nothing', async () => {
    const store = await openStore()
    expect(await store.appendMany([])).toEqual({ appended: 0, failed: [] })
    const { appended, failed } = await store.appendMany([{ id: 'a', point: { timestamp: 'x' } as never }])
    expect(appended).toBe(0)
    expect(failed).toHaveLength(1)
    expect(await store.list()).toEqual([])
  })

  it('keeps what it validated: a caller changing its point objects afterwards changes nothing stored', async () => {
    const store = await openStore()
    const p = { ...point({ timestamp: 1, memoryRss: 10 }) }
    const pending = store.appendMany([{ id: 'a', point: p }])
    ;(p as { memoryRss: number }).memoryRss = -5
    await pending
    expect((await store.get('a'))!.resourceUsage.latest()!.memoryRss).toBe(10)
  })

  it('rejects as a whole only when the batch cannot be written: closed, read-only, not an array', async () => {
    const dir = tempDir()
    const store = new FileMetadataStore({ dir })
    const batch = [{ id: 'a', point: point({ timestamp: 1 }) }]
    await expect(store.appendMany(batch)).rejects.toMatchObject({ code: 'ERR_STORE_CLOSED' })
    await store.open()
    await expect(store.appendMany({} as never)).rejects.toMatchObject({
      code: 'ERR_WARDEN_INVALID_OPTION',
      option: 'entries',
    })
    const pending: Promise<AppendManyResult> = store.appendMany(batch)
    await store.close()
    expect((await pending).appended).toBe(1)
    await expect(store.appendMany(batch)).rejects.toMatchObject({ code: 'ERR_STORE_CLOSED' })
    const reader = await openStore({ dir, readOnly: true })
    await expect(reader.appendMany(batch)).rejects.toMatchObject({ code: 'ERR_STORE_READ_ONLY' })
  })
})
