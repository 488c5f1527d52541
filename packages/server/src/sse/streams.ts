import type { FastifyReply } from 'fastify'
import { TooManyStreamsError, UnavailableError } from '../errors.js'
import { SseStream } from './stream.js'

/** The open event streams of a server: bounded by `maxStreams`, all ended when it closes. */
export class StreamSet {
  readonly #open = new Set<SseStream>()
  readonly #max: number
  readonly #heartbeatMs: number
  #closed = false

  constructor(maxStreams: number, heartbeatMs: number) {
    this.#max = maxStreams
    this.#heartbeatMs = heartbeatMs
  }

  get size(): number {
    return this.#open.size
  }

  /** Takes over `reply` as an event stream; throws before any byte is sent when none may open. */
  open(reply: FastifyReply): SseStream {
    if (this.#closed) throw new UnavailableError({ reason: 'the server is closing' })
    if (this.#open.size >= this.#max) throw new TooManyStreamsError({ maxStreams: this.#max })
    reply.hijack()
    const stream = new SseStream(reply.raw, this.#heartbeatMs)
    this.#open.add(stream)
    stream.onClose(() => this.#open.delete(stream))
    return stream
  }

  closeAll(): void {
    this.#closed = true
    for (const stream of [...this.#open]) stream.close()
  }
}
