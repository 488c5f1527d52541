/**
 * One computed value, reused while nothing it depends on changed (`generation`) and it is younger
 * than `maxAgeMs`: under load, many clients share one snapshot or one render instead of each
 * paying for it.
 */
export class Memo<T> {
  readonly #maxAgeMs: number
  #value: T | undefined
  #generation = -1
  #at = 0

  constructor(maxAgeMs: number) {
    this.#maxAgeMs = maxAgeMs
  }

  get(generation: number, compute: () => T, now = Date.now()): T {
    if (this.#value === undefined || generation !== this.#generation || now - this.#at >= this.#maxAgeMs) {
      this.#value = compute()
      this.#generation = generation
      this.#at = now
    }
    return this.#value
  }
}
