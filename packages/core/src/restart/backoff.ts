/** Exponential restart delay: initialMs × factor^n, capped at maxMs; reset after a good run. */
export class Backoff {
  readonly #initialMs: number
  readonly #maxMs: number
  readonly #factor: number
  #failures = 0

  constructor(opts: { initialMs: number; maxMs: number; factor: number }) {
    this.#initialMs = opts.initialMs
    this.#maxMs = opts.maxMs
    this.#factor = opts.factor
  }

  /** Consecutive failures counted so far. */
  get failures(): number {
    return this.#failures
  }

  /** The delay the next `next()` will return. */
  peek(): number {
    return Math.min(this.#maxMs, Math.round(this.#initialMs * this.#factor ** this.#failures))
  }

  /** Delay before the next restart; grows the following one. */
  next(): number {
    const delay = this.peek()
    // Stop growing once capped so factor^n never overflows to Infinity.
    if (delay < this.#maxMs) this.#failures++
    return delay
  }

  reset(): void {
    this.#failures = 0
  }
}
