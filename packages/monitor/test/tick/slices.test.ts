import { describe, expect, it } from 'vitest'
import { SLICE_MS, Slices } from '../../src/tick/slices.js'
import { busyFor } from '../helpers/busy.js'

describe('Slices', () => {
  it('is due once a slice has run for its budget, and yield() gives the event loop a turn and starts a new slice', async () => {
    const slices = new Slices()
    slices.begin()
    busyFor(SLICE_MS * 2)
    expect(slices.due()).toBe(true)
    let ran = false
    setImmediate(() => {
      ran = true
    })
    await slices.yield()
    expect(ran).toBe(true)
    expect(slices.due()).toBe(false)
  })
})
