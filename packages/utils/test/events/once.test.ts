import { EventEmitter } from 'node:events'
import { EventEmitter as EE3 } from 'eventemitter3'
import { describe, expect, it } from 'vitest'
import { InvalidOptionError, once, WaitTimeoutError } from '../../src/index.js'

const listeners = (e: EventEmitter): number =>
  e.eventNames().reduce((n, name) => n + e.listenerCount(name), 0)

describe('once', () => {
  it('resolves with the first argument of the first event passing the filter, and leaves no listener', async () => {
    const e = new EventEmitter()
    const p = once<number>(e, 'n', { filter: (n) => n > 2, failOn: { gone: () => new Error('gone') } })
    for (const n of [1, 2, 3, 4]) e.emit('n', n)
    await expect(p).resolves.toBe(3)
    expect(listeners(e)).toBe(0)
  })

  it('rejects with WaitTimeoutError after timeoutMs, naming what it waited for', async () => {
    const e = new EventEmitter()
    const err = await once(e, 'x', { timeoutMs: 10, waitingFor: 'the thing' }).catch((x: unknown) => x)
    expect(err).toBeInstanceOf(WaitTimeoutError)
    expect(err).toMatchObject({ code: 'ERR_WARDEN_WAIT_TIMEOUT', waitingFor: 'the thing', timeoutMs: 10 })
    expect((err as Error).message).toBe('Gave up waiting for the thing after 10 ms')
    expect(listeners(e)).toBe(0)
  })

  it('rejects with the signal reason, at once when already aborted, and removes its abort listener', async () => {
    const e = new EE3()
    const ac = new AbortController()
    const p = once(e, 'x', { signal: ac.signal, timeoutMs: 60_000 })
    ac.abort(new Error('cancelled'))
    await expect(p).rejects.toThrow('cancelled')
    await expect(once(e, 'x', { signal: ac.signal })).rejects.toThrow('cancelled')
    expect(e.eventNames()).toEqual([])
  })

  it('a failOn event ends the wait with the error its function returns; undefined keeps waiting', async () => {
    const e = new EventEmitter()
    const p = once<string>(e, 'ok', {
      failOn: { remove: (id: string) => (id === 'a' ? new Error(`${id} removed`) : undefined) },
    })
    e.emit('remove', 'b')
    e.emit('remove', 'a')
    await expect(p).rejects.toThrow('a removed')
    expect(listeners(e)).toBe(0)
  })

  it('rejects bad options with InvalidOptionError: unknown keys, durations past 2³¹−1, a non-signal', async () => {
    const e = new EventEmitter()
    await expect(once(e, 'x', { timeoutMs: 2 ** 31 } as never)).rejects.toThrow(InvalidOptionError)
    await expect(once(e, 'x', { timeout: 5 } as never)).rejects.toThrow('Unknown key `timeout`')
    await expect(once(e, 'x', { signal: {} } as never)).rejects.toThrow('an AbortSignal')
    expect(listeners(e)).toBe(0)
  })

  it('10 000 waits that time out or resolve leave nothing behind', async () => {
    const e = new EventEmitter()
    e.setMaxListeners(0)
    const ac = new AbortController()
    const waits = Array.from({ length: 10_000 }, (_, i) =>
      once(e, 'x', { signal: ac.signal, timeoutMs: i % 2 === 0 ? 1 : 60_000 }).catch(() => 'timeout'),
    )
    await new Promise((r) => setTimeout(r, 20))
    e.emit('x', 'hit')
    const results = await Promise.all(waits)
    expect(results.filter((r) => r === 'hit').length).toBe(5000)
    expect(listeners(e)).toBe(0)
  })
})
