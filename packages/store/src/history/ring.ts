/**
 * Index bookkeeping of a capped ring whose storage grows by doubling up to `maxSize` (see
 * `nextCapacity`), so a history with few points does not pay for a full ring. Owners keep the
 * typed arrays and re-layout them (oldest first) when `needsGrow()` says so.
 */
export class RingIndex {
  readonly maxSize: number
  capacity: number
  head = 0
  length = 0

  constructor(maxSize: number, initialCapacity = 16) {
    this.maxSize = maxSize
    this.capacity = Math.min(maxSize, initialCapacity)
  }

  /** Physical slot of logical index `i` (0 = oldest). */
  slot(i: number): number {
    const p = this.head + i
    return p >= this.capacity ? p - this.capacity : p
  }

  needsGrow(): boolean {
    return this.length === this.capacity && this.capacity < this.maxSize
  }

  /**
   * Doubles, except that a step that would reach half of `maxSize` goes straight to `maxSize`:
   * the last doubling (e.g. 1024 of 1440) would be garbage soon after, and when a thousand
   * histories outgrow it in the same tick those freed arrays fragment the native heap.
   */
  nextCapacity(): number {
    const doubled = Math.max(16, this.capacity * 2)
    return doubled * 2 >= this.maxSize ? this.maxSize : doubled
  }

  /** After the owner copied data into new arrays oldest-first. */
  grown(capacity: number): void {
    this.capacity = capacity
    this.head = 0
  }

  /** Copies `src` (laid out by this ring, `stride` values per slot) into `dst` oldest-first, with two bulk copies. */
  copyOrdered<T extends Float64Array | Float32Array | Int32Array>(src: T, dst: T, stride = 1): T {
    const first = Math.min(this.length, this.capacity - this.head)
    dst.set(src.subarray(this.head * stride, (this.head + first) * stride), 0)
    if (first < this.length) dst.set(src.subarray(0, (this.length - first) * stride), first * stride)
    return dst
  }

  /** Reserves the slot for a new newest element; evicts the oldest when full. Returns [slot, evicted]. */
  push(): [slot: number, evicted: boolean] {
    if (this.length < this.capacity) {
      const s = this.slot(this.length)
      this.length++
      return [s, false]
    }
    const s = this.head
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1
    return [s, true]
  }
}
