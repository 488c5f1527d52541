/**
 * The timer of a poller (ResourceMonitor, HostMonitor): `start()` ticks at once, then every
 * `intervalMs`; the interval is unref'd, so polling alone never keeps the process alive.
 */
export class Ticker {
  readonly #intervalMs: number
  readonly #onTick: () => void
  #timer: NodeJS.Timeout | undefined
  #stopped = false

  constructor(intervalMs: number, onTick: () => void) {
    this.#intervalMs = intervalMs
    this.#onTick = onTick
  }

  /** Between start() and stop(). */
  get running(): boolean {
    return this.#timer !== undefined
  }

  /** Set by stop(), cleared by start(): work that ends while stopped releases what it holds. */
  get stopped(): boolean {
    return this.#stopped
  }

  /** Ticks now, then every `intervalMs`. Idempotent: a running ticker is left as it is. */
  start(): void {
    if (this.#timer !== undefined) return
    this.#stopped = false
    this.#timer = setInterval(this.#onTick, this.#intervalMs)
    this.#timer.unref()
    this.#onTick()
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
    this.#stopped = true
  }
}
