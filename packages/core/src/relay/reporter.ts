import type { Socket } from 'node:net'
import { encode } from './protocol.js'

/** Line reports of one stream waiting for the supervisor beyond this are dropped: a flood stays its own. */
const MAX_STREAM_BACKLOG = 1024 * 1024
/** The socket's own buffer is kept about this full; the rest waits in the per-stream queues. */
const SOCKET_HIGH_WATER = 256 * 1024

interface Queue {
  readonly key: string
  readonly items: string[]
  bytes: number
  /** Its stream ended: the queue goes once empty. */
  last: boolean
  /** Called once it is gone (sent, or forgotten with its supervisor). */
  readonly gone: Array<() => void>
}

/**
 * The relay's reports to the attached supervisor, queued per stream and sent round-robin (one
 * message of each stream per round), so an agent flooding `agent:log` delays the others' reports
 * by one message, not by its whole backlog. Line reports beyond a stream's bound are dropped;
 * other reports (ends, errors, drop counts, answers) never are. With no supervisor attached,
 * nothing is queued: the files are all there is.
 */
export class Reporter {
  #socket: Socket | undefined
  readonly #queues = new Map<string, Queue>()
  /** Queues with something to send, in turn order. */
  readonly #busy = new Set<Queue>()
  #scheduled = false

  get attached(): boolean {
    return this.#socket !== undefined
  }

  /** Reports go to `socket` from now on; what was queued for an earlier supervisor is forgotten. */
  attach(socket: Socket): void {
    this.detach()
    this.#socket = socket
    socket.on('drain', () => this.#pump())
  }

  detach(): void {
    this.#socket = undefined
    for (const queue of [...this.#queues.values()]) this.#forget(queue)
    this.#busy.clear()
  }

  /** A line of `stream`: dropped when its queue is full (or no supervisor is attached). */
  line(stream: string, message: object): void {
    if (this.#socket === undefined) return
    const queue = this.#queue(stream)
    if (queue.bytes > MAX_STREAM_BACKLOG) return
    this.#enqueue(queue, encode(message))
  }

  /** A report that is never dropped while attached; `stream` keeps it after that stream's lines. */
  send(message: object, stream = ''): void {
    if (this.#socket === undefined) return
    this.#enqueue(this.#queue(stream), encode(message))
  }

  /** `stream` ended (its last report was queued): its queue goes once sent. */
  done(stream: string): void {
    const queue = this.#queues.get(stream)
    if (queue === undefined) return
    queue.last = true
    if (queue.items.length === 0) this.#forget(queue)
  }

  /**
   * Resolves once the reports of every ended stream whose key starts with `prefix` are in the
   * socket: what is sent after them reaches the supervisor after them.
   */
  async sent(prefix: string): Promise<void> {
    const ended = [...this.#queues.values()].filter((q) => q.last && q.key.startsWith(prefix))
    await Promise.all(ended.map((q) => new Promise<void>((resolve) => q.gone.push(resolve))))
  }

  /** Sends everything queued, then ends the connection; resolves once it is closed. */
  async close(): Promise<void> {
    const socket = this.#socket
    if (socket === undefined) return
    while (this.#busy.size > 0 && !socket.destroyed) {
      this.#pump()
      if (this.#busy.size > 0) await once(socket, ['drain', 'close'])
    }
    if (socket.destroyed) return
    const closed = once(socket, ['close'])
    socket.end()
    await closed
  }

  #forget(queue: Queue): void {
    this.#queues.delete(queue.key)
    for (const resolve of queue.gone.splice(0)) resolve()
  }

  #queue(stream: string): Queue {
    let queue = this.#queues.get(stream)
    if (queue === undefined) {
      queue = { key: stream, items: [], bytes: 0, last: false, gone: [] }
      this.#queues.set(stream, queue)
    }
    return queue
  }

  #enqueue(queue: Queue, text: string): void {
    queue.items.push(text)
    queue.bytes += text.length
    this.#busy.add(queue)
    if (this.#scheduled) return
    // One write per turn of the event loop carries what every stream queued meanwhile.
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      this.#pump()
    })
  }

  #pump(): void {
    const socket = this.#socket
    if (socket === undefined) return
    while (this.#busy.size > 0 && socket.writableLength < SOCKET_HIGH_WATER && !socket.destroyed) {
      let batch = ''
      for (const queue of this.#busy) {
        const text = queue.items.shift()!
        queue.bytes -= text.length
        batch += text
        if (queue.items.length > 0) continue
        this.#busy.delete(queue)
        if (queue.last) this.#forget(queue)
      }
      socket.write(batch)
    }
  }
}

/** Resolves on the first of `events`. */
function once(socket: Socket, events: readonly string[]): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      for (const e of events) socket.off(e, done)
      resolve()
    }
    for (const e of events) socket.once(e, done)
  })
}
