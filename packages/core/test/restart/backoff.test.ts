import { describe, expect, it } from 'vitest'
import { Backoff } from '../../src/restart/backoff.js'

describe('Backoff', () => {
  it('grows by factor, caps at maxMs and resets', () => {
    const b = new Backoff({ initialMs: 100, factor: 3, maxMs: 1000 })
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 300, 900, 1000, 1000])
    b.reset()
    expect(b.peek()).toBe(100)
  })
  it('never overflows after many failures', () => {
    const b = new Backoff({ initialMs: 1, factor: 10, maxMs: 5000 })
    for (let i = 0; i < 10_000; i++) b.next()
    expect(b.next()).toBe(5000)
  })
})
