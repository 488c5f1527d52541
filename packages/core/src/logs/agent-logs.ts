import { closeSync } from 'node:fs'
import type { Socket } from 'node:net'
import type { ResolvedLogOptions } from '../options.js'
import type { ProcessIdentity } from '../proc/stat.js'
import { RelayLink, type RelayOwner } from '../relay/link.js'
import type { RelayConfig, RelayMessage } from '../relay/protocol.js'
import { LineTail, type TailLimits } from './line-tail.js'
import type { LogStream } from './log-files.js'
import { StderrFile } from './stderr-file.js'

export type { LogStream } from './log-files.js'

/** Resolves when `promise` does or after `ms`, whichever comes first. */
async function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))])
  clearTimeout(timer)
}

/**
 * How long an exit waits for the last stderr lines still in the relay's pipe once the relay reads
 * it (a leftover process may hold the pipe open), and at most for the relay to start reading.
 */
const TAIL_GRACE_MS = 500
const RELAY_START_MS = 10_000
/** How long a relay may take to finish on its own once the agent is gone, before it is stopped. */
const RELAY_GRACE_MS = 2000

/** The output plumbing of one process of the agent. */
export interface ProcessOutput {
  readonly stdio: ['ignore', Socket | 'ignore', Socket | number | 'ignore']
  /** The process's relay, if its output is piped. */
  readonly relay: ProcessIdentity | undefined
  /** The process was spawned (or its spawn failed): the supervisor's copies of its ends go. */
  release(): void
  /** The last stderr lines, once the process exited: at once, or when its stderr pipe ended. */
  tailAtExit(): string[] | Promise<string[]>
}

export interface AgentLogsEvents {
  line(stream: LogStream, line: string): void
  writeError(path: string, error: unknown, suppressed: number): void
  relayFailed(pid: number, code: number | null, signal: NodeJS.Signals | null): void
  dropped(total: number): void
}

/**
 * The output plumbing of one agent, kept across its restarts. A stream that goes to a file or to
 * `agent:log` is piped to a log relay (relay/main.ts): a process of its own per agent process, so
 * the agent keeps running and logging when the supervisor dies. A stderr nobody reads goes to the
 * run's StderrFile instead, for the tail.
 */
export class AgentLogs {
  readonly #opts: ResolvedLogOptions | undefined
  readonly #tail: TailLimits
  readonly #owner: RelayOwner
  readonly #events: AgentLogsEvents
  /** Relays still running, with the drops each reported. */
  readonly #relays = new Map<RelayLink, number>()
  /** Drops reported by relays that have exited. */
  #droppedBefore = 0
  #stderrFile: StderrFile | undefined

  constructor(
    opts: ResolvedLogOptions | undefined,
    tail: TailLimits,
    owner: RelayOwner,
    events: AgentLogsEvents,
  ) {
    this.#opts = opts
    this.#tail = tail
    this.#owner = owner
    this.#events = events
  }

  /** Lines dropped by the relays because the disk fell behind or a write failed. */
  get droppedLines(): number {
    let n = this.#droppedBefore
    for (const d of this.#relays.values()) n += d
    return n
  }

  /** The run's stderr file, if stderr goes to one (persisted to find it again after a restart). */
  get stderrFile(): StderrFile | undefined {
    return this.#stderrFile
  }

  /** Identities of the relays still running (persisted, so a restarted supervisor can stop them). */
  get relays(): ProcessIdentity[] {
    return [...this.#relays.keys()].map((r) => r.identity)
  }

  /**
   * Plumbing for the next process, its relay started (marked with `mark`, the run's cookie).
   * Rejects when the relay cannot be started; a stderr file that cannot be made means no tail.
   */
  async prepare(mark: string): Promise<ProcessOutput> {
    const o = this.#opts
    const piped = (s: LogStream): boolean => o !== undefined && (o[s] !== undefined || o.events)
    const inputs = (['stdout', 'stderr'] as const).filter(piped)
    const tail = new LineTail(this.#tail)
    let relay: RelayLink | undefined
    if (o !== undefined && inputs.length > 0) {
      const config: RelayConfig = {
        inputs,
        files: { stdout: o.stdout, stderr: o.stderr },
        maxBytes: o.maxBytes,
        backups: o.backups,
        maxLineBytes: o.maxLineBytes,
        maxQueueBytes: o.maxQueueBytes,
        errorReportIntervalMs: o.errorReportIntervalMs,
        report: inputs.filter((s) => o.events || (s === 'stderr' && this.#tail.lines > 0)),
      }
      let link: RelayLink | undefined
      link = await RelayLink.spawn(
        config,
        this.#owner,
        mark,
        (message) => this.#onMessage(link!, message, tail),
        (code, signal) => this.#events.relayFailed(link!.identity.pid, code, signal),
      )
      relay = link
      this.#relays.set(link, 0)
      void link.exited.then(() => this.#forget(link!))
    }
    let stderrFd: number | undefined
    if (!piped('stderr') && this.#tail.lines > 0) {
      try {
        this.#stderrFile ??= StderrFile.create(this.#tail)
        stderrFd = this.#stderrFile.openForChild()
      } catch {
        stderrFd = undefined
      }
    }
    const file = this.#stderrFile
    return {
      stdio: [
        'ignore',
        relay?.agentEnd('stdout') ?? 'ignore',
        relay?.agentEnd('stderr') ?? stderrFd ?? 'ignore',
      ],
      relay: relay?.identity,
      release: () => {
        relay?.release()
        if (stderrFd !== undefined) closeSync(stderrFd)
        stderrFd = undefined
      },
      tailAtExit: () => {
        if (relay === undefined || !piped('stderr')) return file?.tail() ?? []
        // A relay slow to start (a loaded host) still has every line buffered in its pipe.
        return within(relay.ready, RELAY_START_MS)
          .then(() => within(relay.streamEnded('stderr'), TAIL_GRACE_MS))
          .then(() => tail.lines())
      },
    }
  }

  /** Takes over what a previous supervisor left: the relay and stderr file of an adopted process. */
  adopt(
    relays: readonly ProcessIdentity[],
    stderrFile: StderrFile | undefined,
    pollIntervalMs: number,
  ): void {
    for (const relay of relays) {
      const link = RelayLink.adopt(relay, pollIntervalMs)
      if (link === undefined) continue
      this.#relays.set(link, 0)
      void link.exited.then(() => this.#forget(link))
    }
    if (stderrFile !== undefined) {
      this.#stderrFile?.close()
      this.#stderrFile = stderrFile
    }
  }

  /** The stderr tail of an adopted process: known only when restore() found its stderr file again. */
  adoptedTail(): string[] {
    return this.#stderrFile?.tail() ?? []
  }

  /** The run ended (a clean stop: nothing of it writes any more): its stderr file goes. */
  endRun(): void {
    this.#stderrFile?.close()
    this.#stderrFile = undefined
  }

  /** Resolves once the relays of the processes so far have written everything and exited. */
  async flush(): Promise<void> {
    while (this.#relays.size > 0) await Promise.all([...this.#relays.keys()].map((r) => r.exited))
  }

  /**
   * Lets every relay finish (the agent's processes are gone, so their inputs end), stopping those
   * still running after a grace. Resolves with the pids of relays that survived SIGKILL.
   */
  async settle(killTimeoutMs: number): Promise<number[]> {
    const survivors = await Promise.all(
      [...this.#relays.keys()].map((r) => r.settle(RELAY_GRACE_MS, killTimeoutMs)),
    )
    return survivors.flat()
  }

  /** Settles the relays and ends the run. */
  async close(killTimeoutMs: number): Promise<void> {
    await this.settle(killTimeoutMs)
    this.endRun()
  }

  #onMessage(relay: RelayLink, message: RelayMessage, tail: LineTail): void {
    switch (message.t) {
      case 'line':
        if (message.s === 'stderr') tail.push(message.l)
        if (this.#opts?.events) this.#events.line(message.s, message.l)
        return
      case 'error': {
        const cause = Object.assign(new Error(message.message), message.code ? { code: message.code } : {})
        this.#events.writeError(message.path, cause, message.suppressed)
        return
      }
      case 'dropped':
        if (!this.#relays.has(relay)) return
        this.#relays.set(relay, message.n)
        this.#events.dropped(this.droppedLines)
        return
      case 'ready':
      case 'end':
        return
    }
  }

  #forget(relay: RelayLink): void {
    this.#droppedBefore += this.#relays.get(relay) ?? 0
    this.#relays.delete(relay)
  }
}
