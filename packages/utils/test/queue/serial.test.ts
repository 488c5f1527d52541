import { describe, expect, it } from 'vitest'
import { serialize } from '../../src/index.js'

/** A promise with its resolve/reject exposed. */
function deferred<T>() {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

describe('serialize', () => {
  it('starts a call only after the previous one settled, in call order; a rejection does not block the next', async () => {
    const log: string[] = []
    const gates = [deferred<void>(), deferred<void>(), deferred<void>()]
    const run = serialize(async (i: number) => {
      log.push(`start ${i}`)
      await gates[i]!.promise
      log.push(`end ${i}`)
      if (i === 1) throw new Error('boom')
      return i * 10
    })
    const calls = [run(0), run(1), run(2)]
    const settled = Promise.allSettled(calls)
    // Let every microtask run: only the first call may have started.
    await new Promise((r) => setImmediate(r))
    expect(log).toEqual(['start 0'])
    gates[2]!.resolve()
    gates[1]!.resolve()
    await new Promise((r) => setImmediate(r))
    expect(log).toEqual(['start 0'])
    gates[0]!.resolve()
    const [a, b, c] = await settled
    expect(log).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2'])
    expect(a).toEqual({ status: 'fulfilled', value: 0 })
    expect(b).toMatchObject({ status: 'rejected', reason: { message: 'boom' } })
    expect(c).toEqual({ status: 'fulfilled', value: 20 })
  })
})
