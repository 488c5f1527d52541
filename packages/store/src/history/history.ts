import { InvalidHistoryDataError, OutOfOrderPointError } from '../errors.js'
import type {
  AggregateOptions,
  AggregateResult,
  HistoryOptions,
  QueryResult,
  ResourceDataPoint,
  RollupTierSpec,
  TimeRange,
} from '../types.js'
import { finiteNumber, optionalFinite, positiveInteger } from '../validate.js'
import { aggregateRaw, aggregateTier } from './aggregate.js'
import { COLUMNS, COUNTERS, type Column, GAUGES, validatePoint } from './fields.js'
import { resolveHistoryOptions } from './options.js'
import { type HistoryParts, historyPieces } from './pieces.js'
import { RawRing } from './raw.js'
import { addCounter, addGauge, recordToPoint } from './record.js'
import {
  assertOptionalBoolean,
  assertOrdered,
  assertPositiveInteger,
  assertTierFollowsRaw,
  assertTierShape,
  assertValues,
  counterPair,
  restoreTier,
} from './restore.js'
import {
  deltaDecode,
  deltaEncode,
  encodeFloat32,
  type HistoryJSON,
  isRecord,
  nullableArray,
  numberArray,
} from './serialize.js'
import { RollupTier } from './tier.js'

/** Method key of the parts `serialize()` writes; not exported from the package. */
export const HISTORY_PARTS = Symbol('historyParts')

const GAUGE_COL = 1
const COUNTER_COL = 1 + GAUGES.length

/** Describes one rollup tier's current fill. */
export interface TierInfo extends RollupTierSpec {
  /** Buckets held (the open one included). */
  readonly length: number
  /** Start of the oldest bucket held, null when empty. */
  readonly oldestStart: number | null
  /** Whether buckets were dropped for capacity. */
  readonly evicted: boolean
}

/**
 * Capped, time-ordered resource history: raw points in a columnar ring (a typed array per
 * field, no object per point) plus rollup tiers that keep coarser buckets for longer.
 */
export class ResourceUsageHistory {
  #raw: RawRing
  #tiers: RollupTier[]
  // Last readable value of each counter and when, for rate pairs that span evicted points.
  readonly #counterLast = new Float64Array(COUNTERS.length).fill(Number.NaN)
  readonly #counterAt = new Float64Array(COUNTERS.length).fill(Number.NaN)

  constructor(opts?: HistoryOptions) {
    const { maxSize, tiers } = resolveHistoryOptions(opts)
    this.#raw = new RawRing(maxSize)
    this.#tiers = tiers.map((t) => new RollupTier(t.intervalMs, t.size))
  }

  /** Raw points held. */
  get length(): number {
    return this.#raw.length
  }

  get maxSize(): number {
    return this.#raw.maxSize
  }

  get tiers(): RollupTierSpec[] {
    return this.#tiers.map((t) => ({ intervalMs: t.intervalMs, size: t.size }))
  }

  tierInfo(): TierInfo[] {
    return this.#tiers.map((t) => {
      const oldest = t.oldestStart()
      return {
        intervalMs: t.intervalMs,
        size: t.size,
        length: t.length,
        oldestStart: Number.isNaN(oldest) ? null : oldest,
        evicted: t.evicted,
      }
    })
  }

  /**
   * Appends a point; beyond `maxSize` the oldest raw point is dropped (its data lives on in the tiers).
   * A timestamp equal to the latest is kept after it; an older one throws `OutOfOrderPointError`
   * and changes nothing — rollups already closed cannot take it back, and silently dropping it would lose data.
   */
  add(point: ResourceDataPoint): void {
    validatePoint(point)
    const n = this.#raw.length
    if (n > 0) {
      const latest = this.#raw.timestamp(n - 1)
      if (point.timestamp < latest)
        throw new OutOfOrderPointError({ timestamp: point.timestamp, latestTimestamp: latest })
    }
    this.#raw.push(point)
    this.#rollup(this.#raw.length - 1, this.#tiers)
  }

  /** Raw points with `since ≤ timestamp ≤ until` (binary search), oldest first. */
  range(range: TimeRange = {}): ResourceDataPoint[] {
    const [lo, hi] = this.#bounds(range)
    const out = new Array<ResourceDataPoint>(Math.max(0, hi - lo))
    for (let i = lo; i < hi; i++) out[i - lo] = this.#raw.point(i)
    return out
  }

  /** Raw points of the last `durationMs` before `now` (inclusive). */
  recent(durationMs: number, now: number = Date.now()): ResourceDataPoint[] {
    finiteNumber('durationMs', durationMs)
    finiteNumber('now', now)
    return this.range({ since: now - durationMs, until: now })
  }

  latest(): ResourceDataPoint | undefined {
    const n = this.#raw.length
    return n === 0 ? undefined : this.#raw.point(n - 1)
  }

  /**
   * Buckets aligned to multiples of `intervalMs`. Answered by the finest level (raw, then each
   * tier whose width divides `intervalMs`) that still holds `since`; when none does, by the one
   * reaching furthest back. Tier answers include whole tier buckets overlapping the window.
   */
  aggregate(opts: AggregateOptions): AggregateResult {
    const intervalMs = positiveInteger('intervalMs', opts?.intervalMs)
    const since = optionalFinite('since', opts.since)
    const until = optionalFinite('until', opts.until)
    const { tier, covered } = this.#chooseLevel(since, (width) => intervalMs % width === 0)
    if (tier === undefined) {
      const [lo, hi] = this.#bounds({ since, until })
      return {
        intervalMs,
        tier: 'raw',
        coveredSince: covered,
        buckets: aggregateRaw(this.#raw, lo, hi, intervalMs),
      }
    }
    const [from, to] = tierWindow(tier, since, until)
    return {
      intervalMs,
      tier: tier.intervalMs,
      coveredSince: covered,
      buckets: from > to ? [] : aggregateTier(tier, from, to, intervalMs),
    }
  }

  /**
   * Like `range`, but when raw points no longer reach back to `since`, answers from the finest
   * tier that does: one point per tier bucket (timestamp = bucket start, gauges = bucket average,
   * counters = last readable value), and says which level answered.
   */
  query(range: TimeRange = {}): QueryResult {
    const since = optionalFinite('since', range?.since)
    const until = optionalFinite('until', range?.until)
    const { tier, covered } = this.#chooseLevel(since, () => true)
    if (tier === undefined)
      return { tier: 'raw', coveredSince: covered, points: this.range({ since, until }) }
    const [from, to] = tierWindow(tier, since, until)
    const points: ResourceDataPoint[] = []
    tier.forEach((start, record, offset) => {
      if (start >= from && start <= to) points.push(recordToPoint(record, offset, start))
    })
    return { tier: tier.intervalMs, coveredSince: covered, points }
  }

  /**
   * The finest level that still holds `since` (raw first, then tiers allowed by `usable`); when
   * none does, the one reaching furthest back. `tier` undefined = raw.
   */
  #chooseLevel(
    since: number | undefined,
    usable: (tierIntervalMs: number) => boolean,
  ): { tier: RollupTier | undefined; covered: number | null } {
    const rawCovered = this.#raw.evicted ? this.#raw.timestamp(0) : null
    const covers = (c: number | null): boolean => c === null || (since !== undefined && c <= since)
    if (covers(rawCovered)) return { tier: undefined, covered: rawCovered }
    let best: { tier: RollupTier; covered: number } | undefined
    for (const tier of this.#tiers) {
      if (!usable(tier.intervalMs)) continue
      const covered = tier.evicted ? tier.oldestStart() : null
      if (covered === null || covers(covered)) return { tier, covered }
      if (best === undefined || covered < best.covered) best = { tier, covered }
    }
    if (best === undefined || (rawCovered !== null && best.covered >= rawCovered)) {
      return { tier: undefined, covered: rawCovered }
    }
    return best
  }

  /** Independent deep copy (typed arrays copied). */
  clone(): ResourceUsageHistory {
    const copy = new ResourceUsageHistory({ maxSize: this.maxSize, tiers: [] })
    copy.#raw = this.#raw.clone()
    copy.#tiers = this.#tiers.map((t) => t.clone())
    copy.#counterLast.set(this.#counterLast)
    copy.#counterAt.set(this.#counterAt)
    return copy
  }

  toJSON(): HistoryJSON {
    const parts = this[HISTORY_PARTS]()
    const points: Record<string, (number | null)[]> = {}
    for (const [name, values] of parts.columns) points[name] = nullableArray(values)
    return {
      maxSize: parts.maxSize,
      evicted: parts.evicted,
      deltaEncoded: parts.deltaEncoded,
      points,
      counters: parts.counters,
      tiers: parts.tiers.map((t) => ({
        intervalMs: t.intervalMs,
        size: t.size,
        evicted: t.evicted,
        starts: Array.from(t.starts),
        data: encodeFloat32(t.data),
        head: t.head && { start: t.head.start, record: nullableArray(t.head.record) },
      })),
    }
  }

  /**
   * `JSON.stringify(history.toJSON())`, built directly: about 6× faster, because V8's
   * JSON.stringify formats floats far slower than typed-array join does (measured in the bench).
   */
  serialize(): string {
    const out: string[] = []
    const steps = historyPieces(this[HISTORY_PARTS](), out)
    while (steps.next().done !== true);
    return out.join('')
  }

  /**
   * What `serialize()` writes, copied out of this history (its typed arrays copied: a memcpy), so
   * a writer can format it over several event-loop turns while points keep arriving.
   * @internal
   */
  [HISTORY_PARTS](): HistoryParts {
    const columns: [Column, Float64Array | Int32Array][] = []
    const deltaEncoded: Column[] = []
    const stored = this.#raw.orderedColumns()
    for (let c = 0; c < COLUMNS.length; c++) {
      const name = COLUMNS[c]!
      const col = stored[c]!
      // Int32 columns hold -1 for null.
      if (name === 'processes' && allNull(col)) continue
      if (col instanceof Float64Array && deltaEncode(col)) deltaEncoded.push(name)
      columns.push([name, col])
    }
    const counters: Record<string, [number | null, number | null]> = {}
    for (let c = 0; c < COUNTERS.length; c++) {
      const v = this.#counterLast[c]!
      counters[COUNTERS[c]!] = Number.isNaN(v) ? [null, null] : [v, this.#counterAt[c]!]
    }
    const tiers = this.#tiers.map((t) => {
      const { starts, data } = t.closed()
      for (let i = starts.length - 1; i > 0; i--) starts[i] = starts[i]! - starts[i - 1]!
      return {
        intervalMs: t.intervalMs,
        size: t.size,
        evicted: t.evicted,
        starts,
        data,
        head: Number.isNaN(t.headStart) ? null : { start: t.headStart, record: t.head.slice() },
      }
    })
    return {
      maxSize: this.#raw.maxSize,
      evicted: this.#raw.evicted,
      deltaEncoded,
      columns,
      counters,
      tiers,
    }
  }

  /**
   * Rebuilds a history from `toJSON()` output. With `options`, the result uses those sizes and
   * tiers instead of the serialized ones: extra raw points and tier buckets are dropped oldest
   * first, and a tier missing from the data is rebuilt from the raw points still held.
   * Throws `InvalidHistoryDataError` naming the first bad field.
   */
  static fromJSON(json: unknown, options?: HistoryOptions): ResourceUsageHistory {
    if (!isRecord(json)) throw new InvalidHistoryDataError({ path: '', reason: 'expected an object' })
    const fileTiers = Array.isArray(json.tiers) ? (json.tiers as unknown[]) : undefined
    if (fileTiers === undefined)
      throw new InvalidHistoryDataError({ path: 'tiers', reason: 'expected an array' })
    // Checked even when `options` replace them: a file that lies about its own shape is corrupt.
    assertPositiveInteger(json.maxSize, 'maxSize')
    assertOptionalBoolean(json.evicted, 'evicted')
    for (const [i, t] of fileTiers.entries()) assertTierShape(t, `tiers[${i}]`)
    const opts: HistoryOptions = options ?? {
      maxSize: json.maxSize as number,
      tiers: fileTiers.map(
        (t) => (isRecord(t) ? { intervalMs: t.intervalMs, size: t.size } : t) as RollupTierSpec,
      ),
    }
    let history: ResourceUsageHistory
    try {
      history = new ResourceUsageHistory(opts)
    } catch (error) {
      if (options !== undefined) throw error
      throw new InvalidHistoryDataError({ path: 'maxSize/tiers', reason: (error as Error).message })
    }
    history.#restore(json, fileTiers)
    return history
  }

  #restore(json: Record<string, unknown>, fileTiers: unknown[]): void {
    const points = json.points
    if (!isRecord(points)) throw new InvalidHistoryDataError({ path: 'points', reason: 'expected an object' })
    const deltas = json.deltaEncoded
    if (!Array.isArray(deltas) || !deltas.every((d) => (COLUMNS as readonly unknown[]).includes(d))) {
      throw new InvalidHistoryDataError({ path: 'deltaEncoded', reason: 'expected an array of column names' })
    }
    const cols = COLUMNS.map((name, c) => {
      if (points[name] === undefined && name === 'processes') return undefined
      const col = numberArray(points[name], `points.${name}`, c !== 0)
      if (deltas.includes(name)) deltaDecode(col)
      if (c === 0) assertOrdered(col)
      else assertValues(col, name)
      return col
    })
    const n = cols[0]!.length
    cols.forEach((col, c) => {
      if (col !== undefined && col.length !== n) {
        throw new InvalidHistoryDataError({
          path: `points.${COLUMNS[c]}`,
          reason: `length ${col.length}, expected ${n}`,
        })
      }
    })
    this.#raw.load(cols, n)
    if (json.evicted === true) this.#raw.evicted = true
    const newest = n === 0 ? undefined : this.#raw.timestamp(this.#raw.length - 1)

    const missing: RollupTier[] = []
    for (const tier of this.#tiers) {
      const idx = fileTiers.findIndex((t) => isRecord(t) && t.intervalMs === tier.intervalMs)
      if (idx === -1) {
        missing.push(tier)
        continue
      }
      restoreTier(tier, fileTiers[idx] as Record<string, unknown>, `tiers[${idx}]`)
      assertTierFollowsRaw(tier, newest, `tiers[${idx}]`)
    }
    // Tiers added by new options start from the raw points still held.
    if (missing.length > 0) for (let i = 0; i < this.#raw.length; i++) this.#rollup(i, missing)
    for (const tier of missing) if (this.#raw.evicted) tier.evicted = true

    if (!isRecord(json.counters))
      throw new InvalidHistoryDataError({ path: 'counters', reason: 'expected an object' })
    for (let c = 0; c < COUNTERS.length; c++) {
      const pair = json.counters[COUNTERS[c]!]
      if (pair === undefined) continue
      ;[this.#counterLast[c], this.#counterAt[c]] = counterPair(pair, `counters.${COUNTERS[c]}`)
    }
  }

  /** Rolls raw point `i` into `tiers`, pairing counters with the last readable value. */
  #rollup(i: number, tiers: readonly RollupTier[]): void {
    const t = this.#raw.timestamp(i)
    for (const tier of tiers) {
      const rec = tier.headFor(t)
      rec[0]!++
      for (let g = 0; g < GAUGES.length; g++) addGauge(rec, 0, g, this.#raw.value(GAUGE_COL + g, i))
    }
    for (let c = 0; c < COUNTERS.length; c++) {
      const v = this.#raw.value(COUNTER_COL + c, i)
      if (Number.isNaN(v)) continue
      const p = this.#counterLast[c]!
      // A counter going down means the process restarted: that pair is no rate at all.
      const valid = !Number.isNaN(p) && v >= p
      const inc = valid ? v - p : Number.NaN
      const dt = valid ? t - this.#counterAt[c]! : Number.NaN
      for (const tier of tiers) addCounter(tier.head, 0, c, v, inc, dt)
      this.#counterLast[c] = v
      this.#counterAt[c] = t
    }
  }

  #bounds(range: TimeRange): [number, number] {
    const since = optionalFinite('since', range?.since)
    const until = optionalFinite('until', range?.until)
    const lo = since === undefined ? 0 : this.#raw.lowerBound(since)
    const hi = until === undefined ? this.#raw.length : this.#raw.upperBound(until)
    return [lo, Math.max(lo, hi)]
  }
}

function allNull(col: Float64Array | Int32Array): boolean {
  for (let i = 0; i < col.length; i++) if (col[i] !== -1) return false
  return true
}

/** Tier buckets overlapping `[since, until]`: from the start of the bucket holding `since`. */
function tierWindow(
  tier: RollupTier,
  since: number | undefined,
  until: number | undefined,
): [number, number] {
  const from =
    since === undefined ? Number.NEGATIVE_INFINITY : Math.floor(since / tier.intervalMs) * tier.intervalMs
  return [from, until ?? Number.POSITIVE_INFINITY]
}
