import { describe, expect, it } from 'vitest'
import { Slots } from '../../src/file/slots.js'

describe('Slots', () => {
  it('runs at most its size at once, the rest in call order, and passes on results and errors', async () => {
    const slots = new Slots(3)
    let running = 0
    let most = 0
    const started: number[] = []
    const task = (i: number) => async () => {
      started.push(i)
      most = Math.max(most, ++running)
      await new Promise((resolve) => setImmediate(resolve))
      running--
      if (i === 4) throw new Error('four')
      return i
    }
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => slots.run(task(i))))
    expect(most).toBe(3)
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      0,
      1,
      2,
      3,
      'four',
      5,
      6,
      7,
      8,
      9,
    ])
    // Every slot came back: a full round runs at once again.
    most = 0
    await Promise.all([0, 1, 2].map((i) => slots.run(task(i))))
    expect(most).toBe(3)
  })
})
