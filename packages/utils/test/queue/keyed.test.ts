import { describe, expect, it } from 'vitest'
import { KeyedQueue, SerialQueue } from '../../src/index.js'

const tick = (): Promise<void> => new Promise((r) => setImmediate(r))

describe('KeyedQueue', () => {
  it('runs one task at a time per key in call order, keys concurrently; a failure reaches its caller only', async () => {
    const q = new KeyedQueue()
    const log: string[] = []
    const task =
      (name: string, fail = false) =>
      async () => {
        log.push(`start ${name}`)
        await tick()
        log.push(`end ${name}`)
        if (fail) throw new Error(name)
        return name
      }
    const results = await Promise.allSettled([
      q.run('a', task('a1', true)),
      q.run('a', task('a2')),
      q.run('b', task('b1')),
    ])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled'])
    // a2 starts only after a1 ended; b1 ran beside a1.
    expect(log.indexOf('start a2')).toBeGreaterThan(log.indexOf('end a1'))
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'))
  })

  it('forgets a key once its last task settled (memory follows the keys with work), and idle() waits for tasks queued meanwhile', async () => {
    const q = new KeyedQueue<number>()
    let done = 0
    for (let i = 0; i < 1000; i++) void q.run(i, async () => void done++)
    expect(q.busy(5)).toBe(true)
    const late = q.idle()
    void q.run(2000, async () => {
      await tick()
      done++
    })
    await late
    expect(done).toBe(1001)
    expect(q.busy(5)).toBe(false)
    expect(q.busy(2000)).toBe(false)
  })
})

describe('SerialQueue', () => {
  it('starts a task at once when idle, the next only after it settled; size counts queued and running', async () => {
    const q = new SerialQueue()
    const log: string[] = []
    const first = q.run(async () => {
      log.push('first')
      await tick()
      throw new Error('boom')
    })
    // Started in the caller's turn.
    expect(log).toEqual(['first'])
    const second = q.run(() => {
      log.push('second')
      return 2
    })
    expect(q.size).toBe(2)
    await expect(first).rejects.toThrow('boom')
    await expect(second).resolves.toBe(2)
    expect(q.size).toBe(0)
    expect(log).toEqual(['first', 'second'])
    // A synchronous throw is a rejection, not an exception in the caller.
    await expect(
      q.run(() => {
        throw new Error('sync')
      }),
    ).rejects.toThrow('sync')
    await q.idle()
    expect(q.size).toBe(0)
  })
})
