import { unlinkSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { InboundStream } from './inbound.js'
import { firstLine, readLines } from './json-lines.js'
import { decodeHello, decodeRequest, type RelayRequest } from './protocol.js'
import { Reporter } from './reporter.js'
import { Writers } from './writers.js'

/** A supervisor that stopped reading (SIGSTOP) must not keep a finished relay around. */
const LAST_REPORTS_MS = 5000

/**
 * The log relay of one supervisor: listens on a unix socket in a private directory, takes the
 * supervisor's control connection (`attach`) and the agents' output streams, and writes their
 * files. It lives while a supervisor is attached (or, until the first attach, while its birth pipe
 * to the supervisor that started it is open) or a stream is open; then it writes what it has and
 * exits. `stop()` (a supervisor's shutdown, SIGTERM) cuts every stream first.
 */
export class RelayServer {
  readonly #path: string
  readonly #server: Server
  readonly #reporter = new Reporter()
  readonly #writers: Writers
  readonly #streams = new Set<InboundStream>()
  /** Drops counted while no supervisor was attached: the next one is told. */
  readonly #unreported = new Map<string, number>()
  #control: Socket | undefined
  #birth: Socket | undefined
  /** Connections whose first line is not read yet. */
  #greeting = 0
  #stopping = false
  #exiting = false

  constructor(path: string) {
    this.#path = path
    this.#server = createServer((socket) => this.#accept(socket))
    this.#writers = new Writers({
      error: (agent, path, error, suppressed) => {
        const e = error as NodeJS.ErrnoException
        const message = e?.message ?? String(error)
        this.#reporter.send({ t: 'error', a: agent, path, message, code: e?.code, suppressed })
      },
      dropped: (agent, n) => {
        if (this.#reporter.attached) this.#reporter.send({ t: 'dropped', a: agent, n })
        else this.#unreported.set(agent, (this.#unreported.get(agent) ?? 0) + n)
      },
    })
  }

  /** Listens, then says `ready` on `birth`; the relay lives while `birth` is open, until an attach. */
  listen(birth: Socket): Promise<void> {
    this.#birth = birth
    birth.on('error', () => {})
    birth.once('close', () => {
      this.#birth = undefined
      this.#exitWhenIdle()
    })
    birth.resume()
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(this.#path, () => {
        birth.write('ready\n')
        resolve()
      })
    })
  }

  /** Cuts every stream, writes what was read and exits. */
  stop(): void {
    if (this.#stopping) return
    this.#stopping = true
    this.#server.close()
    for (const stream of this.#streams) stream.cut()
    this.#exitWhenIdle()
  }

  #accept(socket: Socket): void {
    if (this.#exiting) {
      socket.destroy()
      return
    }
    this.#greeting++
    void firstLine(socket).then((first) => {
      this.#greeting--
      const hello = first === undefined ? undefined : decodeHello(first.line)
      if (
        first === undefined ||
        hello === undefined ||
        this.#exiting ||
        (this.#stopping && hello.t === 'stream')
      ) {
        socket.destroy()
      } else if (hello.t === 'attach') {
        this.#attach(socket, first.rest)
      } else {
        const stream = new InboundStream(socket, hello, first.rest, this.#writers, this.#reporter)
        this.#streams.add(stream)
        void stream.ended.then(() => {
          this.#streams.delete(stream)
          this.#exitWhenIdle()
        })
      }
      this.#exitWhenIdle()
    })
  }

  /** The supervisor's control connection; the last attach wins (a restarted supervisor takes over). */
  #attach(socket: Socket, rest: Buffer): void {
    this.#control?.destroy()
    this.#control = socket
    this.#birth?.destroy()
    this.#reporter.attach(socket)
    const open: Record<string, number> = {}
    for (const s of this.#streams) open[s.agent] = (open[s.agent] ?? 0) + 1
    this.#reporter.send({ t: 'attached', pid: process.pid, open })
    for (const [a, n] of this.#unreported) this.#reporter.send({ t: 'dropped', a, n })
    this.#unreported.clear()
    socket.once('close', () => {
      if (this.#control !== socket) return
      this.#control = undefined
      this.#reporter.detach()
      this.#exitWhenIdle()
    })
    readLines(
      socket,
      (line) => {
        const request = decodeRequest(line)
        if (request !== undefined) this.#handle(socket, request)
      },
      rest,
    )
  }

  #handle(socket: Socket, request: RelayRequest): void {
    switch (request.t) {
      case 'flush':
        void this.#flush(request.a).then(() => {
          if (this.#control === socket) this.#reporter.send({ t: 'flushed', q: request.q })
        })
        return
      case 'cut':
        for (const s of this.#streams) if (s.agent === request.a) s.cut()
        return
      case 'stop':
        this.stop()
        return
    }
  }

  /**
   * Resolves once the agent's streams open now have ended, their lines are written and their
   * reports are on their way (an answer sent now reaches the supervisor after them).
   */
  async #flush(agent: string): Promise<void> {
    await Promise.all([...this.#streams].filter((s) => s.agent === agent).map((s) => s.ended))
    await this.#writers.settled(agent)
    await this.#reporter.sent(`${agent}\0`)
  }

  #exitWhenIdle(): void {
    if (this.#exiting || this.#streams.size > 0 || this.#greeting > 0) return
    if (!this.#stopping && (this.#control !== undefined || this.#birth !== undefined)) return
    this.#exiting = true
    void this.#exit()
  }

  async #exit(): Promise<void> {
    this.#server.close()
    try {
      unlinkSync(this.#path)
    } catch {
      // Removed by hand, or never bound.
    }
    await this.#writers.close()
    setTimeout(() => process.exit(0), LAST_REPORTS_MS).unref()
    await this.#reporter.close()
    process.exit(0)
  }
}
