import { describe, expect, it } from 'vitest'
import { StartLimiter } from '../../src/restart/start-limit.js'

describe('StartLimiter', () => {
  it('allows burst starts per window, then refuses until old starts leave the window', () => {
    const l = new StartLimiter({ burst: 3, intervalMs: 1000 })
    for (const t of [0, 100, 200]) {
      expect(l.wouldExceed(t)).toBe(false)
      l.record(t)
    }
    expect(l.wouldExceed(300)).toBe(true)
    expect(l.wouldExceed(1000)).toBe(false)
    l.reset()
    expect(l.wouldExceed(300)).toBe(false)
  })
})
