import type { ResourceDataPoint } from '../types.js'
import { COLUMNS } from './fields.js'
import { RingIndex } from './ring.js'

const NCOL = COLUMNS.length
const TS = 0

/** Raw points in one Float64Array per column (NaN = null), capped ring, oldest first. */
export class RawRing {
  readonly #ring: RingIndex
  #cols: Float64Array[]
  /** Whether a point was ever dropped for capacity: then the ring no longer holds all history. */
  evicted = false

  constructor(maxSize: number) {
    this.#ring = new RingIndex(maxSize)
    this.#cols = Array.from({ length: NCOL }, () => new Float64Array(this.#ring.capacity))
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
      this.#cols[c]![s] = v === null || v === undefined ? Number.NaN : v
    }
  }

  /** Value of column `c` at logical index `i` (NaN = null). */
  value(c: number, i: number): number {
    return this.#cols[c]![this.#ring.slot(i)]!
  }

  timestamp(i: number): number {
    return this.#cols[TS]![this.#ring.slot(i)]!
  }

  point(i: number): ResourceDataPoint {
    const s = this.#ring.slot(i)
    const cols = this.#cols
    const nul = (v: number): number | null => (Number.isNaN(v) ? null : v)
    const point: Record<string, number | null> = {
      timestamp: cols[0]![s]!,
      cpuPercent: nul(cols[1]![s]!),
      memoryRss: nul(cols[2]![s]!) as number,
      memoryVms: nul(cols[3]![s]!) as number,
      diskReadBytes: nul(cols[6]![s]!),
      diskWriteBytes: nul(cols[7]![s]!),
      openFiles: nul(cols[4]![s]!),
      threads: nul(cols[5]![s]!) as number,
    }
    const processes = cols[8]![s]!
    if (!Number.isNaN(processes)) point.processes = processes
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

  /** Column `c` oldest-first, for serialization. */
  column(c: number): Float64Array {
    const out = new Float64Array(this.#ring.length)
    for (let i = 0; i < out.length; i++) out[i] = this.value(c, i)
    return out
  }

  /** Deep copy (typed arrays copied, no per-point objects). */
  clone(): RawRing {
    const copy = new RawRing(this.#ring.maxSize)
    copy.#ring.capacity = this.#ring.capacity
    copy.#ring.head = this.#ring.head
    copy.#ring.length = this.#ring.length
    copy.#cols = this.#cols.map((c) => c.slice())
    copy.evicted = this.evicted
    return copy
  }

  #grow(capacity: number): void {
    const n = this.#ring.length
    this.#cols = this.#cols.map((_, c) => {
      const next = new Float64Array(capacity)
      for (let i = 0; i < n; i++) next[i] = this.value(c, i)
      return next
    })
    this.#ring.grown(capacity)
  }
}
