/**
 * Rate-limits the failure reports of one log destination: the first failure is reported at once;
 * later ones are counted and reported as one summary (the count and the last error) per
 * `intervalMs`; a success reports what is still counted and starts over, so the next failure is
 * again reported at once. The timer is unref'd.
 */
export class ErrorThrottle {
  readonly #intervalMs: number
  readonly #report: (error: unknown, suppressed: number) => void
  #failing = false
  #suppressed = 0
  #last: unknown
  #timer: NodeJS.Timeout | undefined

  constructor(intervalMs: number, report: (error: unknown, suppressed: number) => void) {
    this.#intervalMs = intervalMs
    this.#report = report
  }

  failure(error: unknown): void {
    if (!this.#failing) {
      this.#failing = true
      this.#arm()
      this.#report(error, 0)
      return
    }
    this.#suppressed++
    this.#last = error
    if (this.#timer === undefined) this.#arm()
  }

  success(): void {
    if (!this.#failing) return
    this.#failing = false
    this.close()
  }

  /** Stops the timer and reports what is still counted. */
  close(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#summarize()
  }

  #arm(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#summarize()
    }, this.#intervalMs)
    this.#timer.unref()
  }

  #summarize(): void {
    if (this.#suppressed === 0) return
    const n = this.#suppressed
    const last = this.#last
    this.#suppressed = 0
    this.#last = undefined
    this.#report(last, n)
  }
}
