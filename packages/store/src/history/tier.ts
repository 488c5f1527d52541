import { clearRecord, mergeRecord } from './record.js'
import { RingIndex } from './ring.js'
import type { Series } from './series.js'

/**
 * One rollup tier. Closed buckets live in a Float32Array (≈7 significant digits, half the
 * memory of Float64 — a 15-minute average needs no more); the open bucket accumulates in
 * Float64 so a bucket is rounded once, when it closes.
 */
export class RollupTier {
  readonly intervalMs: number
  readonly series: Series
  readonly #ring: RingIndex
  #starts: Float64Array
  #data: Float32Array
  readonly head: Float64Array
  /** Start of the open bucket; NaN when there is none yet. */
  headStart = Number.NaN
  /** Whether a closed bucket was ever dropped for capacity. */
  evicted = false

  constructor(series: Series, intervalMs: number, size: number) {
    this.series = series
    this.intervalMs = intervalMs
    this.head = new Float64Array(series.recordSize)
    // The open head bucket counts towards `size`.
    this.#ring = new RingIndex(Math.max(0, size - 1), 8)
    ;[this.#starts, this.#data] = allocate(series.recordSize, this.#ring.capacity)
    clearRecord(series, this.head, 0)
  }

  get size(): number {
    return this.#ring.maxSize + 1
  }

  /** Buckets held, the open one included. */
  get length(): number {
    return this.#ring.length + (Number.isNaN(this.headStart) ? 0 : 1)
  }

  /** Returns the head record to accumulate a point at `timestamp` into, closing the previous bucket if needed. */
  headFor(timestamp: number): Float64Array {
    const start = Math.floor(timestamp / this.intervalMs) * this.intervalMs
    if (start !== this.headStart) {
      if (!Number.isNaN(this.headStart)) this.#close()
      this.headStart = start
      clearRecord(this.series, this.head, 0)
    }
    return this.head
  }

  /** Start of the oldest bucket held, or NaN. */
  oldestStart(): number {
    return this.#ring.length > 0 ? this.#starts[this.#ring.slot(0)]! : this.headStart
  }

  /** Calls `fn` for every bucket in time order (closed ones, then the head). */
  forEach(fn: (start: number, record: Float32Array | Float64Array, offset: number) => void): void {
    for (let i = 0; i < this.#ring.length; i++) {
      const s = this.#ring.slot(i)
      fn(this.#starts[s]!, this.#data, s * this.series.recordSize)
    }
    if (!Number.isNaN(this.headStart)) fn(this.headStart, this.head, 0)
  }

  /** Closed buckets oldest-first, for serialization. */
  closed(): { starts: Float64Array; data: Float32Array } {
    const n = this.#ring.length
    const RECORD_SIZE = this.series.recordSize
    return {
      starts: this.#ring.copyOrdered(this.#starts, new Float64Array(n)),
      data: this.#ring.copyOrdered(this.#data, new Float32Array(n * RECORD_SIZE), RECORD_SIZE),
    }
  }

  /** Restores one closed bucket (oldest first), for deserialization. */
  pushClosed(start: number, record: Float32Array | Float64Array, offset: number): void {
    const s = this.#reserve()
    const size = this.series.recordSize
    this.#starts[s] = start
    this.#data.fill(0, s * size, (s + 1) * size)
    clearRecord(this.series, this.#data, s * size)
    mergeRecord(this.series, this.#data, s * size, record, offset)
  }

  /** Deep copy. */
  clone(): RollupTier {
    const copy = new RollupTier(this.series, this.intervalMs, this.size)
    copy.#ring.capacity = this.#ring.capacity
    copy.#ring.head = this.#ring.head
    copy.#ring.length = this.#ring.length
    ;[copy.#starts, copy.#data] = allocate(this.series.recordSize, this.#ring.capacity)
    copy.#starts.set(this.#starts)
    copy.#data.set(this.#data)
    copy.head.set(this.head)
    copy.headStart = this.headStart
    copy.evicted = this.evicted
    return copy
  }

  #close(): void {
    if (this.#ring.maxSize === 0) {
      this.evicted = true
      return
    }
    this.pushClosed(this.headStart, this.head, 0)
  }

  #reserve(): number {
    if (this.#ring.needsGrow()) {
      const cap = this.#ring.nextCapacity()
      const { starts, data } = this.closed()
      ;[this.#starts, this.#data] = allocate(this.series.recordSize, cap)
      this.#starts.set(starts)
      this.#data.set(data)
      this.#ring.grown(cap)
    }
    const [s, evicted] = this.#ring.push()
    if (evicted) this.evicted = true
    return s
  }
}

/** Starts and records of `capacity` buckets in ONE ArrayBuffer: one native allocation per growth. */
function allocate(recordSize: number, capacity: number): [Float64Array, Float32Array] {
  const buf = new ArrayBuffer(capacity * (8 + 4 * recordSize))
  return [new Float64Array(buf, 0, capacity), new Float32Array(buf, capacity * 8, capacity * recordSize)]
}
