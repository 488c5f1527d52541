import { InvalidOptionError, WaitTimeoutError } from '../errors/errors.js'
import { durationMs } from '../validate/duration.js'

/** What `once` needs of an emitter: Node's EventEmitter and eventemitter3 both fit. */
// biome-ignore lint/suspicious/noExplicitAny: a listener of any event's arguments
type AnyListener = (...args: any[]) => void

export interface Listenable {
  // biome-ignore lint/suspicious/noExplicitAny: typed emitters narrow the event name
  on(event: any, listener: AnyListener): unknown
  // biome-ignore lint/suspicious/noExplicitAny: as above
  off(event: any, listener: AnyListener): unknown
}

export interface OnceOptions<T> {
  /** Reject with `WaitTimeoutError` after this long (ms, 0..2³¹−1). @default no timeout */
  readonly timeoutMs?: number | undefined
  /** Reject with `signal.reason` when it aborts (at once if it already has). */
  readonly signal?: AbortSignal | undefined
  /** Only an event whose first argument passes ends the wait. */
  readonly filter?: ((value: T) => boolean) | undefined
  /** The wait in words, for the timeout error (`agent "web" to be running`). @default `event "<event>"` */
  readonly waitingFor?: string | undefined
  /**
   * Other events that end the wait with an error: for each, a function of the event's first
   * argument that returns the error to reject with, or undefined to keep waiting.
   */
  readonly failOn?: Readonly<Record<string, (value: never) => Error | undefined>> | undefined
}

const KEYS = new Set(['timeoutMs', 'signal', 'filter', 'waitingFor', 'failOn'])

/**
 * Resolves with the first argument of the next `event` that passes `filter`. Unlike Node's
 * `events.once`, it takes a timeout, a filter and failing events, and it removes every listener and
 * timer however it ends, so thousands of waits leave nothing behind.
 */
export function once<T = unknown>(emitter: Listenable, event: string, opts: OnceOptions<T> = {}): Promise<T> {
  for (const key of Object.keys(opts)) {
    if (!KEYS.has(key)) {
      return Promise.reject(
        new InvalidOptionError({
          option: key,
          value: (opts as Record<string, unknown>)[key],
          unknownIn: 'the once() options',
          known: [...KEYS],
        }),
      )
    }
  }
  const { filter, signal, failOn = {} } = opts
  let timeoutMs: number | undefined
  try {
    timeoutMs = opts.timeoutMs === undefined ? undefined : durationMs('timeoutMs', opts.timeoutMs)
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new InvalidOptionError({ option: 'signal', expected: 'an AbortSignal', value: signal })
    }
  } catch (error) {
    return Promise.reject(error)
  }
  if (signal?.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined
    const failing: [string, AnyListener][] = []
    const cleanup = (): void => {
      clearTimeout(timer)
      emitter.off(event, onEvent)
      for (const [name, listener] of failing) emitter.off(name, listener)
      signal?.removeEventListener('abort', onAbort)
    }
    const fail = (error: unknown): void => {
      cleanup()
      reject(error)
    }
    const onEvent = (value: T): void => {
      if (filter !== undefined && !filter(value)) return
      cleanup()
      resolve(value)
    }
    const onAbort = (): void => fail(signal?.reason)
    emitter.on(event, onEvent)
    for (const [name, check] of Object.entries(failOn)) {
      const listener = (value: never): void => {
        const error = check(value)
        if (error !== undefined) fail(error)
      }
      failing.push([name, listener as AnyListener])
      emitter.on(name, listener as AnyListener)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    if (timeoutMs !== undefined) {
      const waitingFor = opts.waitingFor ?? `event "${event}"`
      timer = setTimeout(() => fail(new WaitTimeoutError({ waitingFor, timeoutMs })), timeoutMs)
    }
  })
}
