import { RingIndex } from './ring.js'
import type { Series } from './series.js'

const TS = 0
/** Null in an Int32 column (counts are never negative). */
const INT_NULL = -1

type Col = Float64Array | Int32Array

/** Where each column's block starts in a ring's one ArrayBuffer: float columns first (8-aligned), then Int32. */
interface Layout {
  /** Bytes before column `c`'s block, per slot of capacity. */
  readonly offsetsPerSlot: readonly number[]
  readonly bytesPerSlot: number
}

const LAYOUTS = new WeakMap<Series, Layout>()

function layoutOf(series: Series): Layout {
  let layout = LAYOUTS.get(series)
  if (layout === undefined) {
    const isInt = series.isInt
    const nFloat = isInt.filter((i) => !i).length
    const offsetsPerSlot = isInt.map((int, c) => {
      const before = isInt.slice(0, c)
      const ints = before.filter((i) => i).length
      return int ? nFloat * 8 + ints * 4 : (before.length - ints) * 8
    })
    layout = { offsetsPerSlot, bytesPerSlot: nFloat * 8 + (isInt.length - nFloat) * 4 }
    LAYOUTS.set(series, layout)
  }
  return layout
}

/**
 * All columns of a ring of capacity `n` as views of ONE ArrayBuffer: one allocation (and one
 * free) per growth instead of one per column, so a thousand histories growing in the same
 * tick leave fewer, larger holes in the native heap.
 */
function makeCols(series: Series, n: number): Col[] {
  const { offsetsPerSlot, bytesPerSlot } = layoutOf(series)
  const buf = new ArrayBuffer(n * bytesPerSlot)
  return series.isInt.map((int, c) =>
    int ? new Int32Array(buf, offsetsPerSlot[c]! * n, n) : new Float64Array(buf, offsetsPerSlot[c]! * n, n),
  )
}

/**
 * Raw points, one typed array per column (all views of one ArrayBuffer), capped ring, oldest first: Float64Array with NaN for
 * null, Int32Array with -1 for null for the counts (openFiles, threads, processes).
 */
export class RawRing {
  readonly series: Series
  readonly #ring: RingIndex
  readonly #isInt: readonly boolean[]
  #cols: Col[]
  /** Whether a point was ever dropped for capacity: then the ring no longer holds all history. */
  evicted = false

  constructor(series: Series, maxSize: number) {
    this.series = series
    this.#isInt = series.isInt
    this.#ring = new RingIndex(maxSize)
    this.#cols = makeCols(series, this.#ring.capacity)
  }

  get length(): number {
    return this.#ring.length
  }

  get maxSize(): number {
    return this.#ring.maxSize
  }

  /** Appends a validated point. */
  push(point: object): void {
    if (this.#ring.needsGrow()) this.#grow(this.#ring.nextCapacity())
    const [s, evicted] = this.#ring.push()
    if (evicted) this.evicted = true
    const p = point as Record<string, number | null | undefined>
    const columns = this.series.columns
    for (let c = 0; c < columns.length; c++) {
      const v = p[columns[c]!]
      const col = this.#cols[c]!
      col[s] = v === null || v === undefined ? (this.#isInt[c] ? INT_NULL : Number.NaN) : v
    }
  }

  /** Value of column `c` at logical index `i` (NaN = null). */
  value(c: number, i: number): number {
    const v = this.#cols[c]![this.#ring.slot(i)]!
    // -1 first: a float column almost never holds it, so the common case skips the column-kind lookup.
    return v === INT_NULL && this.#isInt[c] ? Number.NaN : v
  }

  timestamp(i: number): number {
    return this.#cols[TS]![this.#ring.slot(i)]!
  }

  /** The point at logical index `i`: every column, null when unreadable; an extra only when present. */
  point(i: number): Record<string, number | null> {
    const s = this.#ring.slot(i)
    const cols = this.#cols
    const { columns, extraCol, pointOrder } = this.series
    // Float columns hold NaN for null, Int32 columns -1; neither is a valid value of the other kind.
    const point: Record<string, number | null> = { timestamp: cols[TS]![s]! }
    for (let k = 1; k < pointOrder.length; k++) {
      const c = pointOrder[k]!
      const v = cols[c]![s]!
      point[columns[c]!] = Number.isNaN(v) || (this.#isInt[c] && v === INT_NULL) ? null : v
    }
    for (let c = extraCol; c < columns.length; c++) {
      const v = cols[c]![s]!
      if (!Number.isNaN(v) && !(this.#isInt[c] && v === INT_NULL)) point[columns[c]!] = v
    }
    return point
  }

  /** First logical index whose timestamp is ≥ `t` (binary search). */
  lowerBound(t: number): number {
    let lo = 0
    let hi = this.#ring.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.timestamp(mid) < t) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** First logical index whose timestamp is > `t`. */
  upperBound(t: number): number {
    let lo = 0
    let hi = this.#ring.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.timestamp(mid) <= t) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Every column oldest-first in its storage type (Int32 ones hold -1 for null), in one new buffer: for serialization. */
  orderedColumns(): Col[] {
    const out = makeCols(this.series, this.#ring.length)
    for (let c = 0; c < out.length; c++) this.#ring.copyOrdered(this.#cols[c]!, out[c]!)
    return out
  }

  /**
   * Replaces the contents with `n` decoded points given column by column (oldest first, NaN =
   * null, undefined = a column absent from the data); keeps the newest `maxSize`.
   */
  load(cols: readonly (Float64Array | undefined)[], n: number): void {
    const keep = Math.min(n, this.#ring.maxSize)
    const from = n - keep
    const capacity = Math.min(this.#ring.maxSize, Math.max(16, keep))
    this.#cols = makeCols(this.series, capacity).map((col, c) => {
      const src = cols[c]
      if (src === undefined) col.fill(this.#isInt[c] ? INT_NULL : Number.NaN, 0, keep)
      else if (!this.#isInt[c]) col.set(src.subarray(from, n))
      else for (let i = 0; i < keep; i++) col[i] = Number.isNaN(src[from + i]!) ? INT_NULL : src[from + i]!
      return col
    })
    this.#ring.grown(capacity)
    this.#ring.length = keep
    if (from > 0) this.evicted = true
  }

  /** Deep copy (typed arrays copied, no per-point objects). */
  clone(): RawRing {
    const copy = new RawRing(this.series, this.#ring.maxSize)
    copy.#ring.capacity = this.#ring.capacity
    copy.#ring.head = this.#ring.head
    copy.#ring.length = this.#ring.length
    copy.#cols = makeCols(this.series, this.#ring.capacity)
    for (let c = 0; c < copy.#cols.length; c++) copy.#cols[c]!.set(this.#cols[c]!)
    copy.evicted = this.evicted
    return copy
  }

  #grow(capacity: number): void {
    const next = makeCols(this.series, capacity)
    for (let c = 0; c < next.length; c++) this.#ring.copyOrdered<Col>(this.#cols[c]!, next[c]!)
    this.#cols = next
    this.#ring.grown(capacity)
  }
}
