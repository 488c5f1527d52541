import type { ResourceDataPoint } from '../types.js'
import { COLUMNS, INTEGER_FIELDS } from './fields.js'
import { RingIndex } from './ring.js'

const NCOL = COLUMNS.length
const TS = 0
/** Null in an Int32 column (counts are never negative). */
const INT_NULL = -1

type Col = Float64Array | Int32Array
const IS_INT = COLUMNS.map((name) => INTEGER_FIELDS.has(name))
const N_FLOAT = IS_INT.filter((i) => !i).length
/** Bytes before column `c`'s block, per slot of capacity: float columns first (8-aligned), then Int32. */
const OFFSETS_PER_SLOT = COLUMNS.map((_, c) => {
  const before = IS_INT.slice(0, c)
  const ints = before.filter((i) => i).length
  return IS_INT[c] ? N_FLOAT * 8 + ints * 4 : (before.length - ints) * 8
})
const BYTES_PER_SLOT = N_FLOAT * 8 + (NCOL - N_FLOAT) * 4

/**
 * All columns of a ring of capacity `n` as views of ONE ArrayBuffer: one allocation (and one
 * free) per growth instead of one per column, so a thousand histories growing in the same
 * tick leave fewer, larger holes in the native heap.
 */
function makeCols(n: number): Col[] {
  const buf = new ArrayBuffer(n * BYTES_PER_SLOT)
  return COLUMNS.map((_, c) =>
    IS_INT[c]
      ? new Int32Array(buf, OFFSETS_PER_SLOT[c]! * n, n)
      : new Float64Array(buf, OFFSETS_PER_SLOT[c]! * n, n),
  )
}

/**
 * Raw points, one typed array per column (all views of one ArrayBuffer), capped ring, oldest first: Float64Array with NaN for
 * null, Int32Array with -1 for null for the counts (openFiles, threads, processes).
 */
export class RawRing {
  readonly #ring: RingIndex
  #cols: Col[]
  /** Whether a point was ever dropped for capacity: then the ring no longer holds all history. */
  evicted = false

  constructor(maxSize: number) {
    this.#ring = new RingIndex(maxSize)
    this.#cols = makeCols(this.#ring.capacity)
  }

  get length(): number {
    return this.#ring.length
  }

  get maxSize(): number {
    return this.#ring.maxSize
  }

  /** Appends a validated point. */
  push(point: ResourceDataPoint): void {
    if (this.#ring.needsGrow()) this.#grow(this.#ring.nextCapacity())
    const [s, evicted] = this.#ring.push()
    if (evicted) this.evicted = true
    const p = point as unknown as Record<string, number | null | undefined>
    for (let c = 0; c < NCOL; c++) {
      const v = p[COLUMNS[c]!]
      const col = this.#cols[c]!
      col[s] = v === null || v === undefined ? (IS_INT[c] ? INT_NULL : Number.NaN) : v
    }
  }

  /** Value of column `c` at logical index `i` (NaN = null). */
  value(c: number, i: number): number {
    const v = this.#cols[c]![this.#ring.slot(i)]!
    return IS_INT[c] && v === INT_NULL ? Number.NaN : v
  }

  timestamp(i: number): number {
    return this.#cols[TS]![this.#ring.slot(i)]!
  }

  point(i: number): ResourceDataPoint {
    const s = this.#ring.slot(i)
    const cols = this.#cols
    // Float columns hold NaN for null, Int32 columns -1; neither is a valid value of the other kind.
    const nul = (v: number): number | null => (Number.isNaN(v) || v === INT_NULL ? null : v)
    const point: Record<string, number | null> = {
      timestamp: cols[0]![s]!,
      cpuPercent: nul(cols[1]![s]!),
      memoryRss: nul(cols[2]![s]!) as number,
      memoryVms: nul(cols[3]![s]!),
      diskReadBytes: nul(cols[6]![s]!),
      diskWriteBytes: nul(cols[7]![s]!),
      openFiles: nul(cols[4]![s]!),
      threads: nul(cols[5]![s]!),
    }
    const processes = cols[8]![s]!
    if (processes !== INT_NULL) point.processes = processes
    return point as unknown as ResourceDataPoint
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
    const out = makeCols(this.#ring.length)
    for (let c = 0; c < NCOL; c++) this.#ring.copyOrdered(this.#cols[c]!, out[c]!)
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
    this.#cols = makeCols(capacity).map((col, c) => {
      const src = cols[c]
      if (src === undefined) col.fill(IS_INT[c] ? INT_NULL : Number.NaN, 0, keep)
      else if (!IS_INT[c]) col.set(src.subarray(from, n))
      else for (let i = 0; i < keep; i++) col[i] = Number.isNaN(src[from + i]!) ? INT_NULL : src[from + i]!
      return col
    })
    this.#ring.grown(capacity)
    this.#ring.length = keep
    if (from > 0) this.evicted = true
  }

  /** Deep copy (typed arrays copied, no per-point objects). */
  clone(): RawRing {
    const copy = new RawRing(this.#ring.maxSize)
    copy.#ring.capacity = this.#ring.capacity
    copy.#ring.head = this.#ring.head
    copy.#ring.length = this.#ring.length
    copy.#cols = makeCols(this.#ring.capacity)
    for (let c = 0; c < NCOL; c++) copy.#cols[c]!.set(this.#cols[c]!)
    copy.evicted = this.evicted
    return copy
  }

  #grow(capacity: number): void {
    const next = makeCols(capacity)
    for (let c = 0; c < NCOL; c++) this.#ring.copyOrdered<Col>(this.#cols[c]!, next[c]!)
    this.#cols = next
    this.#ring.grown(capacity)
  }
}
