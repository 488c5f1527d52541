import { randomBytes } from 'node:crypto'
import { closeSync } from 'node:fs'
import type { Socket } from 'node:net'
import type { ResolvedLogOptions } from '../options.js'
import type { StoredRelay } from '../persist/state.js'
import type { RelayHub } from '../relay/hub.js'
import type { AgentReport, RelayLink, RelayUser } from '../relay/link.js'
import type { FileOwner, RelayStream, StreamHello } from '../relay/protocol.js'
import { within } from '../within.js'
import { LineTail, type TailLimits } from './line-tail.js'
import { StderrFile } from './stderr-file.js'

export type LogStream = RelayStream

/** How long an exit waits for the last stderr lines still in the socket (a leftover may hold it open). */
const TAIL_GRACE_MS = 500
/** How long the agent's streams may take to end on their own once its processes are gone, before they are cut. */
const STREAM_GRACE_MS = 2000

/** The output plumbing of one process of the agent. */
export interface ProcessOutput {
  readonly stdio: ['ignore', Socket | 'ignore', Socket | number | 'ignore']
  /** The process was spawned (or its spawn failed): the supervisor's copies of its ends go. */
  release(): void
  /** The last stderr lines, once the process exited: at once, or when its stderr stream ended. */
  tailAtExit(): string[] | Promise<string[]>
}

export interface AgentLogsEvents {
  line(stream: LogStream, line: string): void
  writeError(path: string, error: unknown, suppressed: number): void
  relayFailed(pid: number, code: number | null, signal: NodeJS.Signals | null): void
  dropped(total: number): void
}

/** The streams of one agent process in a relay, until they end. */
interface ProcessStreams {
  readonly link: RelayLink
  readonly tail: LineTail
  readonly ended: Map<RelayStream, { promise: Promise<void>; resolve: () => void }>
  /** Streams not ended yet. */
  open: number
}

/**
 * The output plumbing of one agent, kept across its restarts. A stream that goes to a file or to
 * `agent:log` is a socket to the supervisor's log relay (relay/main.ts, one process shared by
 * every agent), so the agent keeps running and logging when the supervisor dies. A stderr nobody
 * reads goes to the run's StderrFile instead, for the tail.
 */
export class AgentLogs {
  readonly #id: string
  readonly #opts: ResolvedLogOptions | undefined
  readonly #tail: TailLimits
  readonly #owner: FileOwner | undefined
  readonly #hub: RelayHub
  readonly #events: AgentLogsEvents
  readonly #user: RelayUser
  /** Relays that hold (or held) streams of the agent. */
  readonly #links = new Set<RelayLink>()
  readonly #processes = new Map<string, ProcessStreams>()
  /** Where the latest process's output goes (saved, so a restarted supervisor finds it). */
  #relay: StoredRelay | undefined
  /** The streams of the process restore() adopted, whose stderr lines make its tail. */
  #adopted: ProcessStreams | undefined
  #dropped = 0
  #stderrFile: StderrFile | undefined

  constructor(
    id: string,
    opts: ResolvedLogOptions | undefined,
    tail: TailLimits,
    owner: FileOwner | undefined,
    hub: RelayHub,
    events: AgentLogsEvents,
  ) {
    this.#id = id
    this.#opts = opts
    this.#tail = tail
    this.#owner = owner
    this.#hub = hub
    this.#events = events
    this.#user = {
      report: (message) => this.#onReport(message),
      failed: (pid, code, signal) => events.relayFailed(pid, code, signal),
    }
  }

  /** Lines dropped by the relay because the disk fell behind or a write failed. */
  get droppedLines(): number {
    return this.#dropped
  }

  /** The run's stderr file, if stderr goes to one (persisted to find it again after a restart). */
  get stderrFile(): StderrFile | undefined {
    return this.#stderrFile
  }

  /** The relay the latest process's output goes to, and its streams' key (persisted). */
  get relay(): StoredRelay | undefined {
    return this.#relay
  }

  /**
   * Plumbing for the next process: its streams opened in the relay (started if need be). Rejects
   * when that fails; a stderr file that cannot be made means no tail.
   */
  async prepare(): Promise<ProcessOutput> {
    const inputs = this.#inputs()
    const opened = inputs.length === 0 ? undefined : await this.#openStreams(inputs)
    let stderrFd: number | undefined
    if (!this.#piped('stderr') && this.#tail.lines > 0) {
      try {
        this.#stderrFile ??= StderrFile.create(this.#tail)
        stderrFd = this.#stderrFile.openForChild()
      } catch {
        stderrFd = undefined
      }
    }
    const file = this.#stderrFile
    return {
      stdio: ['ignore', opened?.ends.stdout ?? 'ignore', opened?.ends.stderr ?? stderrFd ?? 'ignore'],
      release: () => {
        for (const socket of Object.values(opened?.ends ?? {})) socket.destroy()
        if (stderrFd !== undefined) closeSync(stderrFd)
        stderrFd = undefined
      },
      tailAtExit: () => {
        const streams = opened?.streams
        if (streams === undefined || !this.#piped('stderr')) return file?.tail() ?? []
        const ended = Promise.race([streams.ended.get('stderr')!.promise, streams.link.gone])
        return within(ended, TAIL_GRACE_MS).then(() => streams.tail.lines())
      },
    }
  }

  /** Takes over what a previous supervisor left: the relay and stderr file of an adopted process. */
  adopt(relay: StoredRelay | undefined, stderrFile: StderrFile | undefined): void {
    const link = relay === undefined ? undefined : this.#hub.adopt(relay)
    if (relay !== undefined && link !== undefined) {
      this.#adopted = this.#track(link, relay.key, this.#inputs().length)
      this.#relay = relay
    }
    if (stderrFile !== undefined) {
      this.#stderrFile?.close()
      this.#stderrFile = stderrFile
    }
  }

  /** The stderr tail of an adopted process: what the relay reported since, or its stderr file's. */
  adoptedTail(): string[] {
    const streams = this.#adopted
    if (streams !== undefined && this.#piped('stderr')) return streams.tail.lines()
    return this.#stderrFile?.tail() ?? []
  }

  /** The run ended (a clean stop: nothing of it writes any more): its stderr file goes. */
  endRun(): void {
    this.#stderrFile?.close()
    this.#stderrFile = undefined
    this.#relay = undefined
    this.#adopted = undefined
  }

  /** Resolves once the streams of the processes so far have ended and their lines are written. */
  async flush(): Promise<void> {
    await Promise.all([...this.#links].map((l) => l.flush(this.#id)))
  }

  /**
   * The agent's processes are gone: waits for its streams to end and be written; those still open
   * after a grace (held by a process that escaped) are cut, and written as far as they were read.
   * Gives up after `killTimeoutMs` more (a relay that cannot write: the disk hangs).
   */
  async settle(killTimeoutMs: number): Promise<void> {
    await Promise.all(
      [...this.#links].map(async (link) => {
        if (await within(link.flush(this.#id), STREAM_GRACE_MS)) return
        link.cut(this.#id)
        await within(link.flush(this.#id), killTimeoutMs)
      }),
    )
  }

  /** Settles the streams, ends the run, and stops taking the relays' reports. */
  async close(killTimeoutMs: number): Promise<void> {
    await this.settle(killTimeoutMs)
    this.endRun()
    for (const link of this.#links) link.leave(this.#id)
    this.#links.clear()
  }

  #piped(stream: LogStream): boolean {
    const o = this.#opts
    return o !== undefined && (o[stream] !== undefined || o.events)
  }

  #inputs(): LogStream[] {
    return (['stdout', 'stderr'] as const).filter((s) => this.#piped(s))
  }

  /** Opens the process's streams in the current relay (started if need be). */
  async #openStreams(
    inputs: readonly LogStream[],
  ): Promise<{ streams: ProcessStreams; ends: Partial<Record<LogStream, Socket>> }> {
    const link = await this.#hub.acquire()
    const key = randomBytes(8).toString('hex')
    const streams = this.#track(link, key, inputs.length)
    const opened = await Promise.allSettled(inputs.map((s) => link.openStream(this.#hello(key, s))))
    const ends: Partial<Record<LogStream, Socket>> = {}
    inputs.forEach((s, i) => {
      const r = opened[i]!
      if (r.status === 'fulfilled') ends[s] = r.value
    })
    const failed = opened.find((r) => r.status === 'rejected')
    if (failed !== undefined) {
      for (const socket of Object.values(ends)) socket.destroy()
      this.#processes.delete(key)
      throw failed.reason
    }
    this.#relay = { ...link.record, key }
    return { streams, ends }
  }

  #hello(key: string, stream: LogStream): StreamHello {
    const o = this.#opts!
    const path = o[stream]
    return {
      t: 'stream',
      a: this.#id,
      p: key,
      s: stream,
      ...(path === undefined
        ? {}
        : {
            file: {
              path,
              maxBytes: o.maxBytes,
              backups: o.backups,
              maxQueueBytes: o.maxQueueBytes,
              errorReportIntervalMs: o.errorReportIntervalMs,
              ...(this.#owner === undefined ? {} : { owner: this.#owner }),
            },
          }),
      report: o.events || (stream === 'stderr' && this.#tail.lines > 0),
      maxLineBytes: o.maxLineBytes,
    }
  }

  /** Follows the `open` streams of process `key` in `link`, whose reports about us we take. */
  #track(link: RelayLink, key: string, open: number): ProcessStreams {
    const ended = new Map<RelayStream, { promise: Promise<void>; resolve: () => void }>()
    for (const s of ['stdout', 'stderr'] as const) {
      let resolve: () => void = () => {}
      const promise = new Promise<void>((r) => {
        resolve = r
      })
      ended.set(s, { promise, resolve })
    }
    const streams: ProcessStreams = { link, tail: new LineTail(this.#tail), ended, open }
    this.#processes.set(key, streams)
    if (!this.#links.has(link)) this.#use(link)
    return streams
  }

  /** Takes the reports of `link` about this agent, until it is gone. */
  #use(link: RelayLink): void {
    link.use(this.#id, this.#user)
    this.#links.add(link)
    void link.gone.then(() => {
      this.#links.delete(link)
      for (const [k, p] of this.#processes) if (p.link === link) this.#processes.delete(k)
      if (this.#relay?.token === link.record.token) this.#relay = undefined
    })
  }

  #onReport(message: AgentReport): void {
    switch (message.t) {
      case 'line':
        if (message.s === 'stderr') this.#processes.get(message.p)?.tail.push(message.l)
        if (this.#opts?.events) this.#events.line(message.s, message.l)
        return
      case 'end': {
        const streams = this.#processes.get(message.p)
        if (streams === undefined) return
        streams.ended.get(message.s)!.resolve()
        if (--streams.open <= 0) this.#processes.delete(message.p)
        return
      }
      case 'error': {
        const cause = Object.assign(new Error(message.message), message.code ? { code: message.code } : {})
        this.#events.writeError(message.path, cause, message.suppressed)
        return
      }
      case 'dropped':
        this.#dropped += message.n
        this.#events.dropped(this.#dropped)
    }
  }
}
