import { describe, expect, it } from 'vitest'
import { Timeline } from '../../src/clock/timeline.js'
import { ClockError } from '../../src/index.js'

const T = 1_900_000_000_000
const MIN = 60_000
const HOUR = 60 * MIN

/** A timeline on hand-driven clocks: `read(wall, mono)` sets both readings and ticks. */
function setup() {
  let wall: unknown = T
  let mono: unknown = 0
  const timeline = new Timeline(
    () => wall as number,
    () => mono as number,
  )
  return {
    timeline,
    read(w: unknown, m: unknown) {
      wall = w
      mono = m
      return timeline.tick()
    },
  }
}

function clockError(fn: () => unknown): ClockError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(ClockError)
    return error as ClockError
  }
  throw new Error('expected a ClockError')
}

describe('Timeline', () => {
  it('follows the wall clock while it agrees with monotonic time (within the tolerance)', () => {
    const { read } = setup()
    expect(read(T, 0)).toEqual({ at: T, span: T, steppedBack: undefined })
    expect(read(T + MIN + 300, MIN).at).toBe(T + MIN + 300) // NTP slew and jitter: the wall wins
    expect(read(T + 2 * MIN - 200, 2 * MIN).at).toBe(T + 2 * MIN - 200)
    // Never back, even by a few ms of jitter between two close ticks.
    expect(read(T + 2 * MIN - 500, 2 * MIN + 1).at).toBe(T + 2 * MIN - 200)
  })

  it('skips a reading that is not a finite number, without poisoning the next ones', () => {
    const { read } = setup()
    read(T, 0)
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 'soon', undefined]) {
      expect(clockError(() => read(bad, MIN))).toMatchObject({
        code: 'ERR_MONITOR_CLOCK',
        clock: 'wall',
        reason: 'not-finite',
        value: bad,
      })
    }
    expect(clockError(() => read(T + MIN, Number.NaN))).toMatchObject({
      clock: 'monotonic',
      reason: 'not-finite',
    })
    expect(read(T + 2 * MIN, 2 * MIN).at).toBe(T + 2 * MIN)
    const first = setup()
    expect(() => first.read(Number.NaN, 0)).toThrow(ClockError)
    expect(first.read(T, 0).at).toBe(T) // a bad first reading does not stick either
  })

  it('does not trust one wild reading: the tick is stamped on the monotonic expectation', () => {
    const { read } = setup()
    read(T, 0)
    expect(read(T + HOUR + MIN, MIN).at).toBe(T + MIN) // an hour ahead, once
    expect(read(T + 2 * MIN, 2 * MIN).at).toBe(T + 2 * MIN)
    expect(read(T - HOUR + 3 * MIN, 3 * MIN).at).toBe(T + 3 * MIN) // an hour behind, once
    expect(read(T + 4 * MIN, 4 * MIN)).toEqual({
      at: T + 4 * MIN,
      span: T + 4 * MIN,
      steppedBack: undefined,
    })
  })

  it('adopts a confirmed forward step as a gap; the duration span does not jump', () => {
    const { read } = setup()
    read(T, 0)
    expect(read(T + HOUR + MIN, MIN)).toMatchObject({ at: T + MIN, span: T + MIN })
    expect(read(T + HOUR + 2 * MIN, 2 * MIN)).toEqual({
      at: T + HOUR + 2 * MIN,
      span: T + 2 * MIN,
      steppedBack: undefined,
    })
    expect(read(T + HOUR + 3 * MIN, 3 * MIN)).toMatchObject({ at: T + HOUR + 3 * MIN, span: T + 3 * MIN })
  })

  it('never follows a confirmed backward step: stamps carry on the monotonic timeline, ahead of the wall', () => {
    const { read, timeline } = setup()
    read(T, 0)
    expect(read(T - 30 * MIN + MIN, MIN).at).toBe(T + MIN)
    const confirmed = read(T - 30 * MIN + 2 * MIN, 2 * MIN)
    expect(confirmed).toMatchObject({ at: T + 2 * MIN, span: T + 2 * MIN })
    expect(confirmed.steppedBack).toMatchObject({
      code: 'ERR_MONITOR_CLOCK',
      clock: 'wall',
      reason: 'stepped-back',
      value: T - 28 * MIN,
      aheadMs: 30 * MIN,
    })
    expect(read(T - 30 * MIN + 3 * MIN + 100, 3 * MIN).at).toBe(T + 3 * MIN + 100) // still follows its slew
    expect(timeline.now()).toBe(T + 3 * MIN + 100)
    // A later forward step first takes back the lead, then opens a gap.
    read(T + 4 * MIN + 10 * MIN, 4 * MIN)
    expect(read(T + 5 * MIN + 10 * MIN, 5 * MIN).at).toBe(T + 15 * MIN)
    // The span counts the 100 ms slew followed above, not the 10 min gap.
    expect(read(T + 6 * MIN + 10 * MIN, 6 * MIN)).toMatchObject({ at: T + 16 * MIN, span: T + 6 * MIN + 100 })
  })

  it('a monotonic reading that goes back skips the tick; a glitch is forgotten, a reset is measured from', () => {
    const { read } = setup()
    read(T, 10 * MIN)
    expect(clockError(() => read(T + MIN, 5))).toMatchObject({
      clock: 'monotonic',
      reason: 'went-back',
      value: 5,
    })
    expect(read(T + 2 * MIN, 12 * MIN).at).toBe(T + 2 * MIN) // a glitch: back on track
    expect(() => read(T + 3 * MIN, 0)).toThrow(ClockError)
    // Reset to 0, confirmed by the next reading: the wall clock measures that interval.
    expect(read(T + 4 * MIN, MIN).at).toBe(T + 4 * MIN)
    expect(read(T + 5 * MIN, 2 * MIN).at).toBe(T + 5 * MIN)
  })
})
