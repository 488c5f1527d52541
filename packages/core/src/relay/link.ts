import type { ChildProcess } from 'node:child_process'
import { createConnection, type Socket } from 'node:net'
import { isSameProcessAlive, type ProcessIdentity } from '@warden/utils'
import { watchIdentity } from '../adopt/exit-poll.js'
import { terminateTree } from '../terminate/kill-tree.js'
import { within } from '../within.js'
import { firstLine, readLines } from './json-lines.js'
import { isOurSocket, removeStaleSocket } from './private-dir.js'
import {
  decodeMessage,
  encode,
  type RelayMessage,
  type RelayRequest,
  STREAM_OK,
  type StreamHello,
} from './protocol.js'
import type { RelayRecord } from './record.js'
import { type StartedRelay, startRelay } from './spawn.js'

/** A report about one agent. */
export type AgentReport = Extract<RelayMessage, { readonly a: string }>

/** An agent whose output goes through the relay. */
export interface RelayUser {
  report(message: AgentReport): void
  /** The relay died while streams of the agent were open: their output is lost. */
  failed(pid: number, exitCode: number | null, signal: NodeJS.Signals | null): void
}

/** What the supervisor sends on its control connection. */
type Outgoing = RelayRequest | { readonly t: 'attach' }

/** How long a relay that is found again may take to answer the attach. */
const ATTACH_MS = 10_000
/** How long the relay may take to take a new stream (one that hangs fails the spawn, not the supervisor). */
const STREAM_MS = 10_000

/**
 * The supervisor's side of one relay process (started now, or left by a previous supervisor and
 * attached again): its control connection, the streams it opens for agent processes, and the
 * reports it routes to the agents using it. The relay's process is never a handle that keeps the
 * supervisor alive, except while a request waits for it.
 */
export class RelayLink {
  readonly record: RelayRecord
  /** Resolves `true` once attached, `false` when the relay could not be reached. */
  readonly attached: Promise<boolean>
  /** Resolves once the relay process is gone. */
  readonly gone: Promise<void>
  readonly #control: Socket
  readonly #child: ChildProcess | undefined
  readonly #users = new Map<string, RelayUser>()
  /** Every agent that used it (a relay that survives SIGKILL is counted against them). */
  readonly #everUsed = new Set<string>()
  /** Streams open per agent, as far as reported. */
  readonly #open = new Map<string, number>()
  readonly #flushes = new Map<number, () => void>()
  readonly #onIdle: (link: RelayLink) => void
  #seq = 0
  #waiting = 0
  #usable = false
  #stopping = false

  private constructor(
    record: RelayRecord,
    pollMs: number,
    onIdle: (link: RelayLink) => void,
    started?: StartedRelay,
  ) {
    this.record = record
    this.#onIdle = onIdle
    this.#child = started?.child
    this.#control = createConnection(record.socket)
    this.#control.on('error', () => {})
    this.#hold()
    let setAttached: (ok: boolean) => void = () => {}
    this.attached = new Promise((resolve) => {
      setAttached = resolve
    })
    this.#control.once('connect', () => this.#send({ t: 'attach' }))
    readLines(this.#control, (line) => {
      const message = decodeMessage(line)
      if (message?.t === 'attached' && !this.#usable) {
        if (message.pid !== record.pid) {
          this.#control.destroy()
          return
        }
        this.#usable = true
        for (const [agent, n] of Object.entries(message.open)) this.#open.set(agent, n)
        started?.birth.destroy()
        this.#release()
        setAttached(true)
        this.#checkIdle()
      } else if (message !== undefined && this.#usable) {
        this.#onMessage(message)
      }
    })
    const closed = new Promise<void>((resolve) => this.#control.once('close', () => resolve()))
    void closed.then(() => {
      if (!this.#usable) this.#release()
      this.#usable = false
      setAttached(false)
      for (const done of this.#flushes.values()) done()
      this.#flushes.clear()
    })
    this.gone = this.#watchExit(closed, pollMs, started?.child)
  }

  /** Starts a new relay and attaches to it; rejects when it cannot be started. */
  static async start(pollMs: number, onIdle: (link: RelayLink) => void): Promise<RelayLink> {
    const started = await startRelay()
    started.child.unref()
    const link = new RelayLink(started.record, pollMs, onIdle, started)
    if (!(await link.attached)) {
      started.child.kill('SIGKILL')
      throw new Error(`the log relay (pid ${started.record.pid}) did not take the attach`)
    }
    return link
  }

  /**
   * Attaches again to a relay a previous supervisor left (its identity checked by the caller), if
   * its recorded socket is one of ours. `attached` says whether it worked; a relay that does not
   * answer is left to end on its own.
   */
  static adopt(
    record: RelayRecord,
    pollMs: number,
    onIdle: (link: RelayLink) => void,
  ): RelayLink | undefined {
    if (!isOurSocket(record.socket)) return undefined
    const link = new RelayLink(record, pollMs, onIdle)
    void within(link.attached, ATTACH_MS).then((answered) => {
      if (!answered) link.#control.destroy()
    })
    return link
  }

  get identity(): ProcessIdentity {
    return { pid: this.record.pid, startTicks: this.record.startTicks }
  }

  /** Whether it is attached (new streams can be opened). */
  get usable(): boolean {
    return this.#usable
  }

  /** Whether no stream is open in it, as far as reported. */
  get idle(): boolean {
    return this.#open.size === 0
  }

  /** The agents that used it. */
  get users(): string[] {
    return [...this.#everUsed]
  }

  /** Routes the reports about `agent` to `user` (from now on). */
  use(agent: string, user: RelayUser): void {
    this.#users.set(agent, user)
    this.#everUsed.add(agent)
  }

  leave(agent: string): void {
    this.#users.delete(agent)
  }

  /** A new stream of an agent process: connected, announced and read by the relay. */
  async openStream(hello: StreamHello): Promise<Socket> {
    if (!this.#usable) throw new Error(`the log relay (pid ${this.record.pid}) is gone`)
    const socket = createConnection(this.record.socket)
    socket.on('error', () => {})
    socket.write(encode(hello))
    const timer = setTimeout(() => socket.destroy(), STREAM_MS)
    const answer = await firstLine(socket)
    clearTimeout(timer)
    if (answer?.line !== STREAM_OK) {
      socket.destroy()
      throw new Error(`the log relay (pid ${this.record.pid}) did not take the ${hello.s} of "${hello.a}"`)
    }
    this.#open.set(hello.a, (this.#open.get(hello.a) ?? 0) + 1)
    return socket
  }

  /**
   * Resolves once every stream of `agent` open now has ended and its lines are written (at once
   * when the relay cannot be attached: nothing more can be known).
   */
  async flush(agent: string): Promise<void> {
    if (!(await this.attached) || !this.#usable) return
    const q = ++this.#seq
    this.#hold()
    try {
      await new Promise<void>((resolve) => {
        this.#flushes.set(q, resolve)
        this.#send({ t: 'flush', q, a: agent })
      })
    } finally {
      this.#release()
    }
  }

  /** Ends the agent's streams now (their lines read so far are still written). */
  cut(agent: string): void {
    if (this.#usable) this.#send({ t: 'cut', a: agent })
  }

  /** Closes the control connection: the relay ends once its streams have. */
  detach(): void {
    this.#control.destroy()
  }

  /**
   * Stops the relay: it cuts its streams, writes what it read and exits; one that has not after
   * `graceMs` gets SIGTERM, then SIGKILL. Resolves with its pid if it survived.
   */
  async stop(graceMs: number, killTimeoutMs: number): Promise<number[]> {
    this.#stopping = true
    this.#hold()
    this.#child?.ref()
    try {
      if (this.#usable) this.#send({ t: 'stop' })
      if (await within(this.gone, graceMs)) return []
      const { survivors } = await terminateTree({
        root: this.identity,
        signal: 'SIGTERM',
        timeoutMs: killTimeoutMs,
        killTimeoutMs,
        tree: false,
        group: false,
      })
      return [...survivors]
    } finally {
      this.#child?.unref()
      this.#release()
      this.#control.destroy()
    }
  }

  #onMessage(message: RelayMessage): void {
    if (message.t === 'flushed') {
      this.#flushes.get(message.q)?.()
      this.#flushes.delete(message.q)
      return
    }
    if (message.t === 'attached') return
    this.#users.get(message.a)?.report(message)
    if (message.t !== 'end') return
    const n = (this.#open.get(message.a) ?? 1) - 1
    if (n > 0) this.#open.set(message.a, n)
    else this.#open.delete(message.a)
    this.#checkIdle()
  }

  #checkIdle(): void {
    if (this.idle) this.#onIdle(this)
  }

  /** Resolves once the process is gone; a death we did not ask for is reported to its users. */
  async #watchExit(closed: Promise<void>, pollMs: number, child: ChildProcess | undefined): Promise<void> {
    let exit: { code: number | null; signal: NodeJS.Signals | null }
    if (child !== undefined) {
      exit = await new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve({ code: child.exitCode, signal: child.signalCode })
        } else child.once('exit', (code, signal) => resolve({ code, signal }))
      })
    } else {
      // Not our child: no exit event. Its control connection closes as it dies; then we poll.
      await closed
      if (isSameProcessAlive(this.identity)) {
        await new Promise<void>((resolve) => watchIdentity(this.identity, pollMs, resolve))
      }
      exit = { code: null, signal: null }
    }
    // A relay that was killed could not remove its socket.
    removeStaleSocket(this.record.socket)
    if (this.#stopping) return
    for (const [agent, n] of this.#open) {
      if (n > 0) this.#users.get(agent)?.failed(this.record.pid, exit.code, exit.signal)
    }
    this.#open.clear()
  }

  #send(request: Outgoing): void {
    if (!this.#control.destroyed) this.#control.write(encode(request))
  }

  /** A request waits for the relay: the control connection keeps the process alive meanwhile. */
  #hold(): void {
    if (this.#waiting++ === 0) this.#control.ref()
  }

  #release(): void {
    if (--this.#waiting === 0) this.#control.unref()
  }
}
