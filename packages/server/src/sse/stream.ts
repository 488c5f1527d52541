import type { ServerResponse } from 'node:http'

/** A client that reads slower than this many bytes behind is dropped, not buffered without bound. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024

/**
 * One Server-Sent Events response: `send()` writes an event, a comment line every `heartbeatMs`
 * keeps proxies from closing an idle stream, and a client too slow to keep up is disconnected
 * (it reconnects with `Last-Event-ID`). Writing never throws.
 */
export class SseStream {
  readonly #res: ServerResponse
  readonly #heartbeat: NodeJS.Timeout
  readonly #onClose: (() => void)[] = []
  #closed = false

  constructor(res: ServerResponse, heartbeatMs: number, headers: Record<string, string> = {}) {
    this.#res = res
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx buffers responses unless told not to.
      'x-accel-buffering': 'no',
      ...headers,
    })
    res.write(': warden\n\n')
    this.#heartbeat = setInterval(() => this.#write(': keep-alive\n\n'), heartbeatMs).unref()
    res.on('close', () => this.close())
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Runs `fn` once the stream ends (client gone, `close()`, server closing). */
  onClose(fn: () => void): void {
    if (this.#closed) fn()
    else this.#onClose.push(fn)
  }

  send(event: string, data: string, id?: number): void {
    // A newline in `data` would end the field: JSON has none outside strings, and strings escape them.
    this.#write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${data}\n\n`)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#heartbeat)
    if (!this.#res.writableEnded) this.#res.end()
    for (const fn of this.#onClose.splice(0)) {
      try {
        fn()
      } catch {
        // A cleanup that throws must not keep the others from running.
      }
    }
  }

  #write(chunk: string): void {
    if (this.#closed) return
    if (this.#res.writableLength > MAX_BUFFERED_BYTES) {
      this.#res.destroy()
      this.close()
      return
    }
    this.#res.write(chunk)
  }
}
