import { setImmediate as yieldToLoop } from 'node:timers/promises'

/** Longest synchronous stretch of a tick's own work, ms: the procfs sampler's default `sliceMs`. */
export const SLICE_MS = 3

/**
 * Cuts a long loop into slices that each end with a turn of the event loop, so timers, I/O
 * and other requests run between them: `if (slices.due()) await slices.yield()` per item.
 */
export class Slices {
  readonly #budgetMs: number
  #start = performance.now()

  constructor(budgetMs: number = SLICE_MS) {
    this.#budgetMs = budgetMs
  }

  /** Starts a slice: call it where the event loop has just had a turn (after an await of I/O). */
  begin(): void {
    this.#start = performance.now()
  }

  /** True once the current slice has run for its budget. */
  due(): boolean {
    return performance.now() - this.#start >= this.#budgetMs
  }

  /** Gives the event loop a turn (setImmediate: no timer's 1 ms minimum), then starts a slice. */
  async yield(): Promise<void> {
    await yieldToLoop()
    this.begin()
  }
}
