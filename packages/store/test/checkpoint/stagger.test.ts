import { describe, expect, it } from 'vitest'
import { checkpointOffset } from '../../src/checkpoint/stagger.js'

describe('checkpointOffset', () => {
  it('is stable per id and spreads ids over [0, every)', () => {
    const every = 256
    const ids = Array.from({ length: 1000 }, (_, i) => `agent-${i}`)
    const offsets = ids.map((id) => checkpointOffset(id, every))
    expect(ids.map((id) => checkpointOffset(id, every))).toEqual(offsets)
    expect(offsets.every((o) => Number.isInteger(o) && o >= 0 && o < every)).toBe(true)
    // About 1000/256 ≈ 4 agents per offset: no offset takes a crowd.
    const perOffset = new Map<number, number>()
    for (const o of offsets) perOffset.set(o, (perOffset.get(o) ?? 0) + 1)
    expect(perOffset.size).toBeGreaterThan(every * 0.9)
    expect(Math.max(...perOffset.values())).toBeLessThanOrEqual(16)
  })

  it('every = 1 puts every id at 0', () => {
    expect(checkpointOffset('anything', 1)).toBe(0)
  })
})
