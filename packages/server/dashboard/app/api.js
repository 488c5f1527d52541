/** The API as the page uses it: same origin, `Authorization: Bearer <token>` when there is one. */

/** An answer that was not 2xx: `status`, and the server's `code` and `message` when it sent them. */
export class ApiError extends Error {
  constructor(status, body, path) {
    super(body?.message ?? `HTTP ${status} on ${path}`)
    this.name = 'ApiError'
    this.status = status
    this.code = body?.code ?? null
    this.path = path
  }
}

/** A network failure (server down, connection reset). */
export class NetworkError extends Error {
  constructor(path, cause) {
    super(`Cannot reach the Warden server (${path}): ${cause?.message ?? cause}`)
    this.name = 'NetworkError'
    this.cause = cause
  }
}

export class Api {
  #token

  constructor(token) {
    this.#token = token ?? null
  }

  get hasToken() {
    return this.#token !== null
  }

  headers(extra = {}) {
    return this.#token === null ? { ...extra } : { ...extra, authorization: `Bearer ${this.#token}` }
  }

  async #request(method, path, init = {}) {
    let res
    try {
      res = await fetch(path, { ...init, method, headers: this.headers(init.headers), cache: 'no-store' })
    } catch (cause) {
      if (cause?.name === 'AbortError') throw cause
      throw new NetworkError(path, cause)
    }
    if (!res.ok) {
      const body = await res.json().catch(() => null)
      throw new ApiError(res.status, body, path)
    }
    return res
  }

  async get(path, init) {
    return (await this.#request('GET', path, init)).json()
  }

  async post(path) {
    return (await this.#request('POST', path)).json()
  }

  /** The raw streaming answer of `/v1/events` (EventSource cannot send a header, so fetch() reads it). */
  stream(path, { lastEventId, signal }) {
    const headers = { accept: 'text/event-stream' }
    if (lastEventId !== null && lastEventId !== undefined) headers['last-event-id'] = String(lastEventId)
    return this.#request('GET', path, { headers, signal })
  }
}
