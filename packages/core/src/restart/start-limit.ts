/**
 * Crash-loop guard (systemd StartLimitBurst/IntervalSec, supervisord FATAL): at most `burst`
 * starts within any `intervalMs` window.
 */
export class StartLimiter {
  readonly #burst: number
  readonly #intervalMs: number
  #starts: number[] = []

  constructor(opts: { burst: number; intervalMs: number }) {
    this.#burst = opts.burst
    this.#intervalMs = opts.intervalMs
  }

  /** Records a start at `at` (ms). */
  record(at: number): void {
    this.#prune(at)
    this.#starts.push(at)
  }

  /** Whether one more start at `at` would make more than `burst` starts within the window. */
  wouldExceed(at: number): boolean {
    this.#prune(at)
    return this.#starts.length >= this.#burst
  }

  reset(): void {
    this.#starts = []
  }

  #prune(at: number): void {
    const since = at - this.#intervalMs
    let i = 0
    while (i < this.#starts.length && this.#starts[i]! <= since) i++
    if (i > 0) this.#starts.splice(0, i)
  }
}
