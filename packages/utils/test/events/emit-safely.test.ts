import { EventEmitter } from 'eventemitter3'
import { describe, expect, it } from 'vitest'
import { captureUncaught } from '../../../../test/helpers/uncaught.js'
import { emitSafely } from '../../src/index.js'

describe('emitSafely', () => {
  it('delivers the payload and returns whether there were listeners', () => {
    const emitter = new EventEmitter<{ tick: [n: number] }>()
    expect(emitSafely(emitter, 'tick', 1)).toBe(false)
    const seen: number[] = []
    emitter.on('tick', (n) => seen.push(n))
    expect(emitSafely(emitter, 'tick', 2)).toBe(true)
    expect(seen).toEqual([2])
  })

  it('never throws into the caller: a listener error is re-raised on the next tick', async () => {
    const emitter = new EventEmitter<{ tick: [n: number] }>()
    const boom = new Error('listener bug')
    emitter.on('tick', () => {
      throw boom
    })
    let returned = false
    const caught = await captureUncaught(() => {
      emitSafely(emitter, 'tick', 1)
      returned = true
    })
    expect(returned).toBe(true)
    expect(caught).toEqual([boom])
  })
})
