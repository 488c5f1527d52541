/**
 * Runs at most `size` async tasks at once, the rest in call order as slots free up. Bounds the
 * file reads in flight: a thousand reads started together complete in bursts, and Node runs every
 * completed one's continuation in the same poll phase (measured: ~100 ms with no yield at 1000).
 */
export class Slots {
  readonly #size: number
  #running = 0
  readonly #waiting: (() => void)[] = []

  constructor(size: number) {
    this.#size = size
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#size) await new Promise<void>((resolve) => this.#waiting.push(resolve))
    else this.#running++
    try {
      return await task()
    } finally {
      // The slot passes straight to the next waiter, so the count never dips and lets a newcomer jump the queue.
      const next = this.#waiting.shift()
      if (next === undefined) this.#running--
      else next()
    }
  }
}
