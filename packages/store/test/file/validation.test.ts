import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type CorruptEvent,
  FileMetadataStore,
  InvalidHistoryDataError,
  RecordTooLargeError,
  ResourceUsageHistory,
} from '@warden/store'
import { describe, expect, it } from 'vitest'
import { point } from '../helpers/points.js'
import { openStore, tempDir } from '../helpers/tmp.js'

const T0 = 1_767_182_400_000
type Json = Record<string, unknown>
type Key = string | number

/** A store dir whose `bad.json` holds 40 one-minute points: tier 0 has two closed buckets and a head. */
async function seeded(): Promise<{ dir: string; path: string; json: Json }> {
  const dir = tempDir()
  const store = await openStore({ dir, fsync: false })
  for (let i = 0; i < 40; i++) {
    await store.appendResourceData(
      'bad',
      point({ timestamp: T0 + i * 60_000, cpuPercent: i, memoryRss: 1000 + i }),
    )
  }
  await store.close()
  const path = join(dir, 'bad.json')
  return { dir, path, json: JSON.parse(readFileSync(path, 'utf8')) }
}

function get(json: Json, keys: readonly Key[]): unknown {
  return keys.reduce<unknown>((node, key) => (node as Record<Key, unknown>)[key], json)
}

function set(json: Json, keys: readonly Key[], value: unknown): void {
  ;(get(json, keys.slice(0, -1)) as Record<Key, unknown>)[keys.at(-1)!] = value
}

const HEAD = ['resourceUsage', 'tiers', 0, 'head', 'record'] as const
const TIER0 = ['resourceUsage', 'tiers', 0] as const

/** The tier-0 head record with slot `i` replaced. */
const headWith = (i: number, v: number) => (j: Json) => (get(j, HEAD) as number[]).with(i, v)

/** Tier 0's two closed buckets as the file stores them (little-endian float32, base64), the first with count -7. */
function negativeBucket(j: Json): string {
  const record = get(j, HEAD) as (number | null)[]
  const values = [...record.with(0, -7), ...record]
  const buf = Buffer.alloc(values.length * 4)
  for (const [i, v] of values.entries()) buf.writeFloatLE(v ?? Number.NaN, i * 4)
  return buf.toString('base64')
}

/** [what was hand-edited, where, the new value (or a function of the file), the field the cause names, its reason]. */
const EDITS: [string, readonly Key[], unknown, string, RegExp][] = [
  ['negative restartCount', ['restartCount'], -1, 'restartCount', /non-negative integer, got -1/],
  ['fractional restartCount', ['restartCount'], 1.5, 'restartCount', /got 1\.5/],
  ['updatedAt a string', ['updatedAt'], 'now', 'updatedAt', /finite number/],
  ['type a number', ['type'], 5, 'type', /a string or absent, got 5/],
  ['status a number', ['status'], 12345, 'status', /a string or absent, got 12345/],
  ['startTime a word', ['startTime'], 'yesterday', 'startTime', /got "yesterday"/],
  ['labels an array', ['labels'], ['a'], 'labels', /an object of strings/],
  ['pid a word', ['pid'], 'x', 'pid', /a positive integer or null/],
  ['pid zero', ['pid'], 0, 'pid', /a positive integer or null or absent, got 0/],
  ['startTicks negative', ['startTicks'], -1, 'startTicks', /non-negative integer or null/],
  ['adopted a string', ['adopted'], 'yes', 'adopted', /a boolean/],
  ['want sideways', ['want'], 'sideways', 'want', /'up' or 'down'/],
  ['run a number', ['run'], 5, 'run', /an object or null/],
  ['spec an array', ['spec'], [], 'spec', /an object/],
  [
    'lastExit.stderrTail of numbers',
    ['lastExit'],
    { code: 1, signal: null, at: 1, stderrTail: [1] },
    'lastExit.stderrTail',
    /array of strings/,
  ],
  ['a label not a string', ['labels'], { team: 1 }, 'labels.team', /a string, got 1/],
  ['lastExit a string', ['lastExit'], 'crashed', 'lastExit', /an object/],
  [
    'lastExit.code fractional',
    ['lastExit'],
    { code: 1.5, signal: null, at: 1 },
    'lastExit.code',
    /integer or null/,
  ],
  [
    'lastExit.signal a number',
    ['lastExit'],
    { code: null, signal: 9, at: 1 },
    'lastExit.signal',
    /string or null/,
  ],
  ['lastExit.at missing', ['lastExit'], { code: 0, signal: null }, 'lastExit.at', /finite number/],
  ['lastError.message missing', ['lastError'], { at: 1 }, 'lastError.message', /a string/],
  [
    'lastError.code a number',
    ['lastError'],
    { code: 1, message: 'x', at: 1 },
    'lastError.code',
    /string or absent/,
  ],
  ['history maxSize negative', ['resourceUsage', 'maxSize'], -3, 'resourceUsage.maxSize', /positive integer/],
  ['history evicted a string', ['resourceUsage', 'evicted'], 'yes', 'resourceUsage.evicted', /boolean/],
  [
    'a negative raw value',
    ['resourceUsage', 'points', 'memoryRss', 0],
    -5,
    'resourceUsage.points.memoryRss[0]',
    /≥ 0/,
  ],
  [
    'raw timestamps out of order',
    ['resourceUsage', 'points', 'timestamp', 2],
    -120_000,
    'resourceUsage.points.timestamp',
    /go back at index 2/,
  ],
  ['tier size 0', [...TIER0, 'size'], 0, 'resourceUsage.tiers[0].size', /positive integer/],
  [
    'a negative bucket count',
    HEAD,
    headWith(0, -7),
    'resourceUsage.tiers[0].head.record',
    /count -7 is not a positive integer/,
  ],
  [
    'more gauge values than points',
    HEAD,
    headWith(1, 99),
    'resourceUsage.tiers[0].head.record',
    /cpuPercent counts 99 values/,
  ],
  [
    'min greater than max',
    HEAD,
    headWith(3, 1e9),
    'resourceUsage.tiers[0].head.record',
    /cpuPercent min 1000000000 is greater than max/,
  ],
  [
    'a negative counter increase',
    HEAD,
    headWith(21, -1),
    'resourceUsage.tiers[0].head.record',
    /diskReadBytes increase/,
  ],
  [
    'a closed bucket with count -7',
    [...TIER0, 'data'],
    negativeBucket,
    'resourceUsage.tiers[0].data',
    /bucket 0: count -7 is not a positive integer/,
  ],
  [
    'tier bucket starts out of order',
    [...TIER0, 'starts', 1],
    -900_000,
    'resourceUsage.tiers[0].starts',
    /do not rise at index 1/,
  ],
  [
    'a bucket start off the interval',
    [...TIER0, 'starts', 1],
    1000,
    'resourceUsage.tiers[0].starts[1]',
    /not a multiple of intervalMs/,
  ],
  [
    'a head before the last closed bucket',
    [...TIER0, 'head', 'start'],
    T0,
    'resourceUsage.tiers[0].head.start',
    /not after the last closed bucket/,
  ],
  [
    'a head in the future',
    ['resourceUsage', 'tiers', 1, 'head', 'start'],
    T0 + 3_600_000,
    'resourceUsage.tiers[1].head.start',
    /bucket of the newest raw point/,
  ],
  [
    'a counter pair of one value',
    ['resourceUsage', 'counters', 'diskReadBytes'],
    [5],
    'resourceUsage.counters.diskReadBytes',
    /expected \[value, at\]/,
  ],
]

describe('load-time validation', () => {
  it.each(EDITS)('%s: quarantined, the cause names the field', async (_, keys, value, field, reason) => {
    const { dir, path, json } = await seeded()
    set(json, keys, typeof value === 'function' ? value(json) : value)
    const text = JSON.stringify(json)
    writeFileSync(path, text)
    const store = await openStore({ dir })
    const events: CorruptEvent[] = []
    store.on('corrupt', (e) => events.push(e))
    expect(await store.get('bad')).toBeUndefined()
    expect(events).toHaveLength(1)
    const cause = events[0]!.error.cause
    expect(cause).toBeInstanceOf(InvalidHistoryDataError)
    expect(cause).toMatchObject({ code: 'ERR_STORE_INVALID_DATA', path: field })
    expect((cause as InvalidHistoryDataError).reason).toMatch(reason)
    expect(readFileSync(events[0]!.quarantinePath!, 'utf8')).toBe(text)
  })

  it('the unedited seed file loads, and unknown top-level fields are kept', async () => {
    const { dir, path, json } = await seeded()
    writeFileSync(path, JSON.stringify({ ...json, pid: 42, futureField: { a: [1] } }))
    const store = await openStore({ dir })
    const events: CorruptEvent[] = []
    store.on('corrupt', (e) => events.push(e))
    expect(await store.get('bad')).toMatchObject({ pid: 42, futureField: { a: [1] } })
    expect(events).toEqual([])
  })

  it('a file above maxRecordBytes is set aside without being parsed', async () => {
    const { dir, path, json } = await seeded()
    // An unknown huge field: 5 MiB, above the 4 MiB default.
    writeFileSync(path, JSON.stringify({ ...json, junk: 'x'.repeat(5 * 2 ** 20) }))
    const store = await openStore({ dir })
    expect(store.maxRecordBytes).toBe(4 * 2 ** 20)
    const events: CorruptEvent[] = []
    store.on('corrupt', (e) => events.push(e))
    expect(await store.get('bad')).toBeUndefined()
    const cause = events[0]!.error.cause as RecordTooLargeError
    expect(cause).toBeInstanceOf(RecordTooLargeError)
    expect(cause).toMatchObject({ code: 'ERR_STORE_RECORD_TOO_LARGE', maxRecordBytes: 4 * 2 ** 20, path })
    expect(cause.size).toBeGreaterThan(5 * 2 ** 20)
    expect(cause.message).toMatch(/more than maxRecordBytes \(4194304\); it was not parsed/)
  })

  it('a write above maxRecordBytes is refused and changes nothing', async () => {
    const store = await openStore({ maxRecordBytes: 64 * 1024 })
    await store.update('a', (m) => {
      m.labels = { note: 'small' }
    })
    const before = readFileSync(join(store.dir, 'a.json'))
    const refused = await store
      .update('a', (m) => {
        m.labels = { note: 'x'.repeat(100 * 1024) }
      })
      .catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(RecordTooLargeError)
    expect(refused).toMatchObject({ code: 'ERR_STORE_RECORD_TOO_LARGE', maxRecordBytes: 64 * 1024 })
    expect((refused as Error).message).toMatch(/^Refusing to write .*a\.json: the record is \d+ bytes/)
    expect(readFileSync(join(store.dir, 'a.json'))).toEqual(before)
    expect((await store.get('a'))!.labels).toEqual({ note: 'small' })
  })

  it('a full default history fits the default maxRecordBytes many times over', async () => {
    const history = new ResourceUsageHistory()
    for (let i = 0; i < 30 * 1440; i++) {
      history.add(point({ timestamp: T0 + i * 60_000 + 0.5, cpuPercent: Math.PI * i, memoryRss: i * 4096.5 }))
    }
    const store = await openStore()
    await store.save({ id: 'full', restartCount: 0, updatedAt: 0, resourceUsage: history })
    const size = readFileSync(join(store.dir, 'full.json')).length
    expect(size * 8).toBeLessThan(store.maxRecordBytes)
  })

  it.each([
    ['status', { status: 12345 }, 'meta.status'],
    ['startTime', { startTime: 'yesterday' }, 'meta.startTime'],
    ['labels', { labels: { team: 1 } }, 'meta.labels.team'],
    ['lastExit', { lastExit: { code: 0, signal: null, at: 'then' } }, 'meta.lastExit.at'],
  ])('save and update check %s by the same rules as a load', async (_, fields, option) => {
    const store = await openStore()
    const expected = { code: 'ERR_WARDEN_INVALID_OPTION', option }
    await expect(
      store.save({
        id: 'a',
        restartCount: 0,
        updatedAt: 0,
        resourceUsage: new ResourceUsageHistory(),
        ...fields,
      } as never),
    ).rejects.toMatchObject(expected)
    await expect(store.update('a', (m) => ({ ...m, ...fields }) as never)).rejects.toMatchObject(expected)
    expect(await store.list()).toEqual([])
  })
})

describe('options', () => {
  it.each([
    [
      { dir: '/tmp/x', fsyn: false },
      'fsyn',
      /Unknown key `fsyn` in the store options; expected one of dir, fsync/,
    ],
    [
      { dir: '/tmp/x', history: { maxsize: 5 } },
      'history.maxsize',
      /Unknown key `history\.maxsize` in the history options/,
    ],
    [
      { dir: '/tmp/x', history: { tiers: [{ intervalMs: 1, size: 1, step: 2 }] } },
      'history.tiers[0].step',
      /Unknown key/,
    ],
    [
      { dir: '/tmp/x', maxRecordBytes: 0 },
      'maxRecordBytes',
      /Expected `maxRecordBytes` to be an integer from 1 to/,
    ],
    [{ dir: '/tmp/x', maxRecordBytes: 1.5 }, 'maxRecordBytes', /got 1\.5/],
    [{ dir: '/tmp/x', maxRecordBytes: 2 ** 40 }, 'maxRecordBytes', /integer from 1/],
    [
      { dir: '/tmp/x', cacheIdleMs: 0 },
      'cacheIdleMs',
      /Expected `cacheIdleMs` to be an integer number of ms from 1 to 2147483647/,
    ],
    [{ dir: '/tmp/x', cacheIdleMs: 2 ** 31 }, 'cacheIdleMs', /what a Node timer holds/],
    [{ dir: '/tmp/x', cacheIdleMs: '10' }, 'cacheIdleMs', /got "10" \(string\)/],
  ])('rejects %o naming %s', (opts, option, message) => {
    expect(() => new FileMetadataStore(opts as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_WARDEN_INVALID_OPTION',
        option,
        message: expect.stringMatching(message),
      }),
    )
  })

  it('the default maxRecordBytes grows with the history options', () => {
    const big = new FileMetadataStore({ dir: '/tmp/x', history: { maxSize: 100_000 } })
    expect(big.maxRecordBytes).toBeGreaterThanOrEqual(512 * 100_000)
  })
})
