import { appendFileSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import {
  defineSeries,
  FileMetadataStore,
  InvalidDataPointError,
  InvalidHistoryDataError,
  InvalidOptionError,
  PROCESS_SERIES,
  ResourceUsageHistory,
  SERIES_FILE,
  type SeriesBucket,
  type SeriesPoint,
} from '@warden/store'
import { describe, expect, it } from 'vitest'
import { crashImage, segmentNames } from '../helpers/journal.js'
import { openStore, tempDir } from '../helpers/tmp.js'

/** A declaration unlike the process point: two gauges, one integer gauge, two counters (one with a named rate). */
const HOSTLIKE = defineSeries({
  gauges: ['load', 'tempC', 'units'],
  counters: ['stallUs', 'bytes'],
  rates: { bytes: 'byteRate' },
  integers: ['units'],
})

type Point = SeriesPoint
const history = (opts = {}) =>
  new ResourceUsageHistory<Point, SeriesBucket>({ series: HOSTLIKE, tiers: [], ...opts })
const pt = (timestamp: number, v: Partial<Record<string, number | null>> = {}): Point => ({
  timestamp,
  load: 1,
  tempC: 40,
  units: 3,
  stallUs: 0,
  bytes: 0,
  ...v,
})

describe('defineSeries', () => {
  it('freezes the declaration: columns in storage order, rates named', () => {
    expect(HOSTLIKE.columns).toEqual(['timestamp', 'load', 'tempC', 'units', 'stallUs', 'bytes'])
    expect(HOSTLIKE.rates).toEqual({ stallUs: 'stallUsRate', bytes: 'byteRate' })
    expect(Object.isFrozen(HOSTLIKE)).toBe(true)
    expect(PROCESS_SERIES.columns).toEqual([
      'timestamp',
      'cpuPercent',
      'memoryRss',
      'memoryVms',
      'openFiles',
      'threads',
      'diskReadBytes',
      'diskWriteBytes',
      'processes',
      // The agent's cgroup (appended: each extra's journal flag bit is its position).
      'cpuSeconds',
      'memoryCurrent',
      'oomKills',
      'cpuPressure',
      'memoryPressure',
      'ioPressure',
    ])
  })

  it('a process point comes back with its keys in the order they always had', () => {
    const h = new ResourceUsageHistory()
    h.add({
      timestamp: 1,
      cpuPercent: 1,
      memoryRss: 2,
      memoryVms: 3,
      diskReadBytes: 4,
      diskWriteBytes: 5,
      openFiles: 6,
      threads: 7,
      processes: 2,
    })
    expect(Object.keys(h.latest()!)).toEqual([
      'timestamp',
      'cpuPercent',
      'memoryRss',
      'memoryVms',
      'diskReadBytes',
      'diskWriteBytes',
      'openFiles',
      'threads',
      'processes',
    ])
  })

  const bad: [string, unknown, RegExp][] = [
    ['a duplicate name', { gauges: ['a', 'a'] }, /unique names.*"a"/],
    ['a gauge named like a counter', { gauges: ['a'], counters: ['a'] }, /unique/],
    ['a rate named like a gauge', { gauges: ['aRate'], counters: ['a'] }, /unique/],
    ['an unsafe name', { gauges: ['__proto__'] }, /gauges\[0\]/],
    ['a name with a dot', { gauges: ['a.b'] }, /gauges\[0\]/],
    ['a reserved name', { gauges: ['timestamp'] }, /gauges\[0\]/],
    ['no columns', { gauges: [] }, /at least one gauge or counter/],
    ['an unknown key', { gauges: ['a'], gauge: ['b'] }, /Unknown key `gauge`/],
    ['an integer that is a counter', { gauges: ['a'], counters: ['b'], integers: ['b'] }, /integers\[0\]/],
    ['a rate for no counter', { gauges: ['a'], rates: { a: 'x' } }, /Unknown key `rates.a`/],
    ['gauges not an array', { gauges: 'a' }, /gauges/],
  ]
  it.each(bad)('refuses %s with InvalidOptionError', (_, spec, message) => {
    expect(() => defineSeries(spec as never)).toThrow(InvalidOptionError)
    expect(() => defineSeries(spec as never)).toThrow(message)
  })

  it('is validated where a history takes it', () => {
    expect(() => new ResourceUsageHistory({ series: { gauges: ['x y'] } })).toThrow(/series\.gauges\[0\]/)
  })
})

describe('a history of another declaration', () => {
  it('validates points against the declaration', () => {
    const h = history()
    expect(() => h.add(pt(1, { load: -1 }))).toThrow(InvalidDataPointError)
    expect(() => h.add(pt(1, { units: 1.5 }))).toThrow(/`units`/)
    expect(() => h.add({ ...pt(1), cpuPercent: 3 })).toThrow(/`cpuPercent`.*not a column/)
    expect(h.length).toBe(0)
    h.add({ timestamp: 1 })
    expect(h.latest()).toEqual({
      timestamp: 1,
      load: null,
      tempC: null,
      units: null,
      stallUs: null,
      bytes: null,
    })
  })

  it('aggregates: avg/min/max per gauge, a rate per counter named by the declaration', () => {
    const h = history()
    h.add(pt(0, { load: 1, tempC: 40, stallUs: 0, bytes: 0 }))
    h.add(pt(1000, { load: 3, tempC: null, stallUs: 500_000, bytes: 4000 }))
    h.add(pt(2000, { load: 2, tempC: 50, stallUs: 1_500_000, bytes: 6000 }))
    h.add(pt(3000, { load: 6, tempC: 60, stallUs: 1_000_000, bytes: 8000 })) // stallUs went back: that pair is left out
    const r = h.aggregate({ intervalMs: 2000 })
    expect(r.tier).toBe('raw')
    expect(r.buckets).toEqual([
      {
        start: 0,
        end: 2000,
        count: 2,
        load: { avg: 2, min: 1, max: 3, count: 2 },
        tempC: { avg: 40, min: 40, max: 40, count: 1 },
        units: { avg: 3, min: 3, max: 3, count: 2 },
        stallUsRate: 500_000,
        byteRate: 4000,
      },
      {
        start: 2000,
        end: 4000,
        count: 2,
        load: { avg: 4, min: 2, max: 6, count: 2 },
        tempC: { avg: 55, min: 50, max: 60, count: 2 },
        units: { avg: 3, min: 3, max: 3, count: 2 },
        stallUsRate: 1_000_000,
        byteRate: 2000,
      },
    ])
  })

  it('tiers answer with the same buckets once raw points are gone', () => {
    const h = history({ maxSize: 2, tiers: [{ intervalMs: 2000, size: 10 }] })
    for (let t = 0; t < 8000; t += 1000) h.add(pt(t, { load: t / 1000, bytes: t }))
    const r = h.aggregate({ since: 0, intervalMs: 4000 })
    expect(r.tier).toBe(2000)
    expect(r.buckets.map((b) => [b.start, b.count, b.load, b.byteRate])).toEqual([
      [0, 4, { avg: 1.5, min: 0, max: 3, count: 4 }, 1000],
      [4000, 4, { avg: 5.5, min: 4, max: 7, count: 4 }, 1000],
    ])
    const q = h.query({ since: 0 })
    expect(q.tier).toBe(2000)
    expect(q.points[0]).toEqual({ timestamp: 0, load: 0.5, tempC: 40, units: 3, stallUs: 0, bytes: 1000 })
  })

  it('round-trips through toJSON/fromJSON with its declaration; another declaration refuses the data', () => {
    const h = history({ tiers: [{ intervalMs: 2000, size: 10 }] })
    for (let t = 0; t < 5000; t += 1000) h.add(pt(t, { load: t / 7, bytes: t * 3 }))
    const json = JSON.parse(h.serialize())
    expect(Object.keys(json.points)).toEqual(HOSTLIKE.columns)
    const back = ResourceUsageHistory.fromJSON<Point, SeriesBucket>(json, {
      series: HOSTLIKE,
      tiers: [{ intervalMs: 2000, size: 10 }],
    })
    expect(back.serialize()).toBe(h.serialize())
    expect(back.aggregate({ intervalMs: 2000 })).toEqual(h.aggregate({ intervalMs: 2000 }))
    expect(() => ResourceUsageHistory.fromJSON(json)).toThrow(InvalidHistoryDataError)
    const tampered = { ...json, points: { ...json.points, units: json.points.units.map(() => 0.5) } }
    expect(() => ResourceUsageHistory.fromJSON(tampered, { series: HOSTLIKE })).toThrow(/points\.units\[0\]/)
  })
})

describe('a store of another declaration', () => {
  const options = { history: { series: HOSTLIKE, maxSize: 50 } }

  it('keeps the series through the journal and the files: a reopen restores it, a process store refuses the directory', async () => {
    const dir = tempDir()
    const store = await openStore({ dir, ...options })
    expect(readFileSync(join(dir, SERIES_FILE), 'utf8')).toContain('"stallUs"')
    for (let t = 0; t < 10; t++) await store.appendResourceData('host', pt(t * 1000, { bytes: t * 100 }))
    // Before close: the points are in the journal (and the first one in the file).
    const image = crashImage(dir)
    await store.close()

    for (const d of [dir, image]) {
      const reopened = await openStore({ dir: d, ...options })
      const meta = await reopened.get('host')
      const h = meta!.resourceUsage as unknown as ResourceUsageHistory<Point, SeriesBucket>
      expect(h.length).toBe(10)
      expect(h.latest()).toEqual(pt(9000, { bytes: 900 }))
      expect(h.aggregate({ intervalMs: 10_000 }).buckets[0]!.byteRate).toBe(100)
      await reopened.close()
    }
    await expect(new FileMetadataStore({ dir }).open()).rejects.toThrow(/history\.series/)
    await expect(
      new FileMetadataStore({ dir, history: { series: { gauges: ['load'] } } }).open(),
    ).rejects.toThrow(InvalidOptionError)
  })

  it('refuses a process point, and a history of another series on save', async () => {
    const store = await openStore(options)
    await expect(
      store.appendResourceData('host', {
        timestamp: 1,
        cpuPercent: 1,
        memoryRss: 1,
        memoryVms: null,
        diskReadBytes: null,
        diskWriteBytes: null,
        openFiles: null,
        threads: null,
      }),
    ).rejects.toThrow(/`cpuPercent`.*not a column/)
    await expect(
      store.save({ id: 'host', restartCount: 0, updatedAt: 0, resourceUsage: new ResourceUsageHistory() }),
    ).rejects.toThrow(/meta\.resourceUsage/)
  })

  it('a process store never writes a declaration, and refuses a declared directory', async () => {
    const dir = tempDir()
    const store = await openStore({ dir })
    await store.appendResourceData('a', {
      timestamp: 1,
      cpuPercent: 1,
      memoryRss: 1,
      memoryVms: null,
      diskReadBytes: null,
      diskWriteBytes: null,
      openFiles: null,
      threads: null,
    })
    await store.close()
    expect(readdirSync(dir)).not.toContain(SERIES_FILE)
    await expect(new FileMetadataStore({ dir, ...options }).open()).rejects.toThrow(/history\.series/)
  })

  it('a torn journal tail is cut off; the points before it stay', async () => {
    const dir = tempDir()
    const store = await openStore({ dir, ...options })
    for (let t = 0; t < 5; t++) await store.appendResourceData('host', pt(t * 1000))
    const image = crashImage(dir)
    await store.close()
    const [segment] = segmentNames(image)
    appendFileSync(join(image, segment!), Buffer.from([1, 2, 3, 4, 5, 6, 7]))
    const reopened = new FileMetadataStore({ dir: image, ...options })
    const truncated: unknown[] = []
    reopened.on('journal:truncated', (e) => truncated.push(e))
    await reopened.open()
    expect(truncated).toHaveLength(1)
    expect((await reopened.get('host'))!.resourceUsage.length).toBe(5)
    await reopened.close()
    rmSync(image, { recursive: true, force: true })
  })
})
