import { describe, expect, it } from 'vitest'
import { mapLimit } from '../../src/cli/map-limit.js'

describe('mapLimit', () => {
  it('keeps at most `limit` calls in flight and the results in order', async () => {
    let inFlight = 0
    let most = 0
    const results = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (n) => {
      most = Math.max(most, ++inFlight)
      for (let i = 0; i < n; i++) await Promise.resolve()
      inFlight--
      return n * 10
    })
    expect(results).toEqual([50, 10, 40, 20, 30, 0])
    expect(most).toBe(2)
    expect(await mapLimit([], 4, async () => 1)).toEqual([])
  })
})
