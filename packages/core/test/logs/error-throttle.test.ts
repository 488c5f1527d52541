import { afterEach, describe, expect, it, vi } from 'vitest'
import { ErrorThrottle } from '../../src/logs/error-throttle.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('ErrorThrottle', () => {
  it('reports the first failure at once, then one summary per interval, and starts over after a success', () => {
    vi.useFakeTimers()
    const reports: Array<[unknown, number]> = []
    const t = new ErrorThrottle(60_000, (error, suppressed) => reports.push([error, suppressed]))
    t.failure('e1')
    for (let i = 2; i <= 80; i++) t.failure(`e${i}`)
    expect(reports).toEqual([['e1', 0]])
    vi.advanceTimersByTime(60_000)
    expect(reports).toEqual([
      ['e1', 0],
      ['e80', 79],
    ])
    // A quiet interval reports nothing; the next failure is counted into a new summary.
    vi.advanceTimersByTime(60_000)
    t.failure('e81')
    expect(reports).toHaveLength(2)
    t.success()
    expect(reports.at(-1)).toEqual(['e81', 1])
    t.failure('fresh')
    expect(reports.at(-1)).toEqual(['fresh', 0])
    t.close()
    expect(vi.getTimerCount()).toBe(0)
  })
})
