import { messageOf } from '@warden/utils'
import { AuthError, DaemonAnswerError, DaemonUnreachableError, InterruptedError } from './errors.js'
import { readEvents, type SseEvent } from './sse.js'

export interface ClientOptions {
  /** The daemon's base URL, e.g. `http://127.0.0.1:9477` (no trailing slash). */
  readonly url: string
  /** Sent as `Authorization: Bearer <token>`; none when undefined. */
  readonly token: string | undefined
  /** Aborting it ends the request with InterruptedError. */
  readonly signal?: AbortSignal | undefined
}

export type Query = Record<string, string | number | boolean | undefined>

/** How long a read waits for the daemon's answer; a hung daemon must not hang the CLI. */
export const READ_TIMEOUT_MS = 30_000

/** Connection failures in words, by the `code` undici or the socket gave. */
const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'the connection was closed',
}

/**
 * The daemon's HTTP API over node's fetch: JSON answers, Server-Sent Event streams, and every
 * failure as one of the CLI's errors (unreachable, auth, the daemon's own error, interrupted).
 */
export class DaemonClient {
  readonly url: string
  readonly #token: string | undefined
  readonly #signal: AbortSignal | undefined

  constructor({ url, token, signal }: ClientOptions) {
    this.url = url
    this.#token = token
    this.#signal = signal
  }

  /** GET a JSON answer, waiting at most READ_TIMEOUT_MS. */
  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.#json<T>('GET', path, query, READ_TIMEOUT_MS)
  }

  /** POST without a body; no time limit, since a stop waits as long as the agent's stop timeout. */
  post<T>(path: string): Promise<T> {
    return this.#json<T>('POST', path, {}, undefined)
  }

  /** The events of a `text/event-stream` answer, until the daemon ends it (or the signal aborts: InterruptedError). */
  async *events(path: string, query: Query = {}): AsyncGenerator<SseEvent> {
    const call = this.#call('GET', path, query, READ_TIMEOUT_MS, 'text/event-stream')
    try {
      const res = await call.response
      call.clearTimeout()
      if (!res.ok) throw await this.#errorOf(res)
      if (!res.headers.get('content-type')?.startsWith('text/event-stream') || res.body === null) {
        throw new DaemonAnswerError({
          status: res.status,
          message: `${this.url} did not answer with an event stream`,
        })
      }
      yield* readEvents(res.body)
    } catch (error) {
      throw call.failure(error)
    } finally {
      call.end()
    }
  }

  async #json<T>(method: string, path: string, query: Query, timeoutMs: number | undefined): Promise<T> {
    const call = this.#call(method, path, query, timeoutMs, 'application/json')
    try {
      const res = await call.response
      if (!res.ok) throw await this.#errorOf(res)
      const body = parseJson(await res.text())
      if (body === undefined) {
        throw new DaemonAnswerError({
          status: res.status,
          message: `the answer from ${this.url} is not JSON: is a Warden daemon listening there?`,
        })
      }
      return body as T
    } catch (error) {
      throw call.failure(error)
    } finally {
      call.end()
    }
  }

  /** Starts one request; `failure()` turns whatever it threw into the CLI's error, `end()` releases it. */
  #call(method: string, path: string, query: Query, timeoutMs: number | undefined, accept: string) {
    const controller = new AbortController()
    const onAbort = (): void => controller.abort(new InterruptedError({ cause: this.#signal?.reason }))
    if (this.#signal?.aborted) onAbort()
    this.#signal?.addEventListener('abort', onAbort, { once: true })
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            const reason = `no answer within ${timeoutMs / 1000} s`
            controller.abort(new DaemonUnreachableError({ url: this.url, reason }))
          }, timeoutMs)
    const headers: Record<string, string> = { accept }
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`
    const response = fetch(this.#href(path, query), { method, headers, signal: controller.signal })
    return {
      response,
      clearTimeout: () => clearTimeout(timer),
      failure: (error: unknown): unknown => {
        // An abort rejects with its reason in undici, but a body read may reject with an AbortError.
        if (controller.signal.aborted) return controller.signal.reason
        if (error instanceof AuthError || error instanceof DaemonAnswerError) return error
        return this.#connectionError(error)
      },
      end: () => {
        clearTimeout(timer)
        this.#signal?.removeEventListener('abort', onAbort)
        controller.abort()
      },
    }
  }

  #href(path: string, query: Query): string {
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value))
    const search = params.toString()
    return `${this.url}${path}${search === '' ? '' : `?${search}`}`
  }

  async #errorOf(res: Response): Promise<Error> {
    const body = parseJson(await res.text().catch(() => '')) as
      | { code?: unknown; message?: unknown; parameter?: unknown }
      | undefined
    const serverCode = typeof body?.code === 'string' ? body.code : undefined
    if (res.status === 401 || res.status === 403) {
      return new AuthError({
        url: this.url,
        status: res.status,
        serverCode,
        tokenSent: this.#token !== undefined,
      })
    }
    return new DaemonAnswerError({
      status: res.status,
      ...(serverCode !== undefined && { serverCode }),
      message: typeof body?.message === 'string' ? body.message : res.statusText || 'error',
      ...(typeof body?.parameter === 'string' && { parameter: body.parameter }),
    })
  }

  #connectionError(error: unknown): Error {
    const code = codeOf(error)
    const reason = (code !== undefined && REASONS[code]) || code || messageOf(error)
    return new DaemonUnreachableError({ url: this.url, reason, cause: error })
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** The socket's error code under undici's `TypeError: fetch failed` (an AggregateError when several addresses were tried). */
function codeOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && code !== 'ABORT_ERR') return code
    const inner = e instanceof AggregateError ? e.errors[0] : undefined
    e = inner ?? e.cause
  }
  return undefined
}
