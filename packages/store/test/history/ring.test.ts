import { describe, expect, it } from 'vitest'
import { RingIndex } from '../../src/history/ring.js'

/** Capacities a ring goes through while filling up to `maxSize`. */
function steps(maxSize: number, initial?: number): number[] {
  const ring = new RingIndex(maxSize, initial)
  const out = [ring.capacity]
  while (ring.capacity < ring.maxSize) {
    ring.grown(ring.nextCapacity())
    out.push(ring.capacity)
  }
  return out
}

describe('RingIndex growth', () => {
  it('doubles, then jumps to maxSize instead of a last doubling past half of it', () => {
    // No 1024-slot step for 1440: it would be garbage 416 points later, in every agent at once.
    expect(steps(1440)).toEqual([16, 32, 64, 128, 256, 512, 1440])
    expect(steps(671, 8)).toEqual([8, 16, 32, 64, 128, 256, 671])
    expect(steps(40)).toEqual([16, 40])
    expect(steps(10)).toEqual([10])
  })
})
