import { ClockError } from '../errors.js'

/** Two clocks: `now` labels points (ms since epoch), `monotonic` spaces them and times durations. */
export interface MonitorClock {
  /** Wall clock, ms since epoch. @default Date.now */
  readonly now?: () => number
  /** Monotonic clock, ms from any origin. @default performance.now */
  readonly monotonic?: () => number
}

/** One tick's time. */
export interface TickTime {
  /** The timestamp of the tick's points, ms since epoch. */
  readonly at: number
  /** `at` minus every adopted forward step: what durations are measured on. */
  readonly span: number
  /** Set when this tick confirmed a step back of the wall clock: to report, the tick goes on. */
  readonly steppedBack: ClockError | undefined
}

/** Deviation from the monotonic expectation always trusted: jitter and NTP slewing (≤ 500 ppm). */
const toleranceMs = (elapsedMs: number): number => 1000 + elapsedMs / 1000

/**
 * Turns wall and monotonic readings into tick timestamps that never go back, are spaced by
 * monotonic time, and follow the wall clock where it agrees with that spacing. A reading off by
 * more than the tolerance is trusted only once the next reading confirms the step. A confirmed
 * forward step is adopted (a gap in the history); a confirmed backward step is not: stamps carry
 * on the monotonic timeline, ahead of the wall clock by the step, until a forward step absorbs it.
 */
export class Timeline {
  readonly #wall: () => number
  /** Undefined: the wall clock is also the monotonic one (a simulated clock), read once per tick. */
  readonly #monotonic: (() => number) | undefined
  #lastAt = Number.NaN
  #lastMono = Number.NaN
  #aheadMs = 0
  #gapMs = 0
  /** Deviation of an unconfirmed wild wall reading; NaN when there is none. */
  #suspectMs = Number.NaN
  /** An unconfirmed monotonic reading below the last one; NaN when there is none. */
  #monoBack = Number.NaN

  constructor(wall: () => number, monotonic?: () => number) {
    this.#wall = wall
    this.#monotonic = monotonic
  }

  /** Reads both clocks for a tick. Throws `ClockError` when the tick must be skipped. */
  tick(): TickTime {
    const wall = this.#wall()
    const mono = this.#monotonic === undefined ? wall : this.#monotonic()
    if (!Number.isFinite(wall)) throw new ClockError({ clock: 'wall', reason: 'not-finite', value: wall })
    if (!Number.isFinite(mono))
      throw new ClockError({ clock: 'monotonic', reason: 'not-finite', value: mono })
    if (Number.isNaN(this.#lastAt)) return this.#advance(Math.round(wall), mono, undefined)

    if (mono < this.#lastMono && !(mono >= this.#monoBack)) {
      this.#monoBack = mono
      throw new ClockError({ clock: 'monotonic', reason: 'went-back', value: mono })
    }
    // Confirmed by this reading, the monotonic clock was reset: only the wall clock measures this interval.
    const reset = mono < this.#lastMono
    this.#monoBack = Number.NaN
    const elapsed = mono - this.#lastMono
    const expected = this.#lastAt + elapsed
    const deviation = wall + this.#aheadMs - expected
    const tolerance = toleranceMs(elapsed)
    if (reset || Math.abs(deviation) <= tolerance) {
      this.#suspectMs = Number.NaN
      return this.#advance(Math.max(Math.round(wall + this.#aheadMs), this.#lastAt), mono, undefined)
    }
    if (Number.isNaN(this.#suspectMs) || Math.abs(deviation - this.#suspectMs) > tolerance) {
      this.#suspectMs = deviation
      return this.#advance(Math.round(expected), mono, undefined)
    }
    // Confirmed. A forward step first takes back what stamps ran ahead, then opens a gap.
    this.#suspectMs = Number.NaN
    const ahead = Math.max(0, Math.round(this.#aheadMs - deviation))
    const steppedBack =
      ahead > this.#aheadMs
        ? new ClockError({ clock: 'wall', reason: 'stepped-back', value: wall, aheadMs: ahead })
        : undefined
    this.#aheadMs = ahead
    const at = Math.max(Math.round(wall + ahead), this.#lastAt)
    this.#gapMs += Math.max(0, at - Math.round(expected))
    return this.#advance(at, mono, steppedBack)
  }

  /** The timeline's time now, for queries and events outside a tick; the wall clock before any tick. */
  now(): number {
    if (Number.isNaN(this.#lastAt)) {
      const wall = this.#wall()
      return Number.isFinite(wall) ? wall : Date.now()
    }
    const mono = this.#monotonic === undefined ? this.#wall() : this.#monotonic()
    const elapsed = Number.isFinite(mono) && mono > this.#lastMono ? mono - this.#lastMono : 0
    return Math.round(this.#lastAt + elapsed)
  }

  /** The duration clock now: `now()` minus the adopted forward steps. */
  spanNow(): number {
    return this.now() - this.#gapMs
  }

  #advance(at: number, mono: number, steppedBack: ClockError | undefined): TickTime {
    this.#lastAt = at
    this.#lastMono = mono
    return { at, span: at - this.#gapMs, steppedBack }
  }
}
