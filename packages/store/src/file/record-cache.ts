/**
 * The writer's records by id, each dropped once it has not been touched for `idleMs`: memory
 * follows the agents in use, not every id ever seen. (A fixed-size LRU would instead thrash
 * once the live set outgrew it; a record touched every tick is never evicted here.)
 */
export class RecordCache<V> {
  readonly #idleMs: number
  readonly #keep: (id: string, value: V) => boolean
  // Map order is touch order (a touch re-inserts), so a sweep stops at the first fresh entry.
  readonly #entries = new Map<string, { readonly value: V; readonly touched: number }>()
  #timer: NodeJS.Timeout | undefined

  /** `keep`: asked about each idle record before it is dropped; true keeps it (for now). */
  constructor(idleMs: number, keep: (id: string, value: V) => boolean = () => false) {
    this.#idleMs = idleMs
    this.#keep = keep
  }

  get size(): number {
    return this.#entries.size
  }

  get(id: string): V | undefined {
    const entry = this.#entries.get(id)
    if (entry !== undefined) this.set(id, entry.value)
    return entry?.value
  }

  set(id: string, value: V): void {
    this.#entries.delete(id)
    this.#entries.set(id, { value, touched: performance.now() })
  }

  /** Without touching: the value, or undefined. */
  peek(id: string): V | undefined {
    return this.#entries.get(id)?.value
  }

  delete(id: string): void {
    this.#entries.delete(id)
  }

  *entries(): IterableIterator<[string, V]> {
    for (const [id, entry] of this.#entries) yield [id, entry.value]
  }

  /** Sweeps every `idleMs` (so a record lives at most twice that untouched); unref'd, it never holds the process. */
  start(): void {
    this.#timer ??= setInterval(() => this.#sweep(performance.now()), this.#idleMs).unref()
  }

  /** Stops sweeping and drops everything. */
  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
    this.#entries.clear()
  }

  #sweep(now: number): void {
    for (const [id, entry] of this.#entries) {
      if (now - entry.touched < this.#idleMs) return
      if (!this.#keep(id, entry.value)) this.#entries.delete(id)
    }
  }
}
