/**
 * Holds an agent's events until the transition that raised them is complete (state published,
 * persistence and restart scheduled), so a listener always sees the outcome and one that throws
 * cannot cut a transition short. Outside `batch()` an event goes out at once.
 */
export class EventOutbox {
  #depth = 0
  #queued: Array<() => void> = []

  batch<T>(fn: () => T): T {
    this.#depth++
    try {
      return fn()
    } finally {
      if (--this.#depth === 0) this.#flush()
    }
  }

  /** `deliver` must not throw (it goes through emitSafely). */
  emit(deliver: () => void): void {
    if (this.#depth === 0) deliver()
    else this.#queued.push(deliver)
  }

  #flush(): void {
    for (let next = this.#queued.shift(); next !== undefined; next = this.#queued.shift()) next()
  }
}
