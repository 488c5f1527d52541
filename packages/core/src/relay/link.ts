import { spawn } from 'node:child_process'
import type { Socket } from 'node:net'
import { watchIdentity } from '../adopt/watch.js'
import { isSameProcessAlive, type ProcessIdentity, readStat } from '../proc/stat.js'
import { terminateTree } from '../terminate/kill-tree.js'
import { decodeMessage, RELAY_FD, type RelayConfig, type RelayMessage, type RelayStream } from './protocol.js'
import { relayScript } from './script.js'

/** The relay's environment: its mark (checked before a restored supervisor trusts a recorded relay pid). */
export const RELAY_ENV = 'WARDEN_LOG_RELAY'

export interface RelayOwner {
  readonly uid?: number
  readonly gid?: number
}

/**
 * A log relay seen from the supervisor: the process (spawned now, or found again after a
 * supervisor restart), the agent's ends of its input sockets until the agent is spawned, and its
 * reports. An adopted relay reports nothing (its report socket belonged to the dead supervisor).
 */
export class RelayLink {
  readonly identity: ProcessIdentity
  /** Resolves once the relay process is gone and its last report was read. */
  readonly exited: Promise<void>
  /** Resolves once the relay reads its inputs (or is gone). */
  readonly ready: Promise<void>
  #setReady: () => void = () => {}
  readonly #ends: Partial<Record<RelayStream, Socket>>
  readonly #ended = new Map<RelayStream, () => void>()
  readonly #endPromises = new Map<RelayStream, Promise<void>>()
  #killed = false

  private constructor(
    identity: ProcessIdentity,
    ends: Partial<Record<RelayStream, Socket>>,
    exited: Promise<void>,
  ) {
    this.identity = identity
    this.#ends = ends
    this.exited = exited
    this.ready = new Promise((resolve) => {
      this.#setReady = resolve
    })
    void exited.then(() => this.#setReady())
    for (const s of ['stdout', 'stderr'] as const) {
      this.#endPromises.set(s, new Promise((resolve) => this.#ended.set(s, resolve)))
    }
    void exited.then(() => {
      for (const done of this.#ended.values()) done()
    })
  }

  /**
   * Starts a relay reading `config.inputs`, as `owner`, marked with `mark`. Rejects when it cannot
   * be spawned.
   */
  static async spawn(
    config: RelayConfig,
    owner: RelayOwner,
    mark: string,
    onMessage: (message: RelayMessage) => void,
    onCrash: (code: number | null, signal: NodeJS.Signals | null) => void,
  ): Promise<RelayLink> {
    const script = await relayScript()
    const stdio: Array<'ignore' | 'pipe'> = ['ignore', 'ignore', 'ignore', 'pipe', 'ignore', 'ignore']
    for (const s of config.inputs) stdio[RELAY_FD[s]] = 'pipe'
    const child = spawn(process.execPath, [script, JSON.stringify(config)], {
      detached: true,
      stdio,
      cwd: '/',
      env: { [RELAY_ENV]: mark },
      uid: owner.uid,
      gid: owner.gid,
    })
    child.on('error', () => {})
    const pid = child.pid
    const startTicks = pid === undefined ? undefined : readStat(pid)?.startTicks
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve)
      child.once('error', reject)
    })
    const ends: Partial<Record<RelayStream, Socket>> = {}
    const fds = child.stdio as unknown as Array<Socket | null>
    for (const s of config.inputs) ends[s] = fds[RELAY_FD[s]]!
    let link: RelayLink | undefined
    const reports = fds[RELAY_FD.report]!
    const exited = new Promise<void>((resolve) => {
      let pending = 2
      const done = (): void => {
        if (--pending === 0) resolve()
      }
      child.once('exit', (code, signal) => {
        if (code !== 0 && link !== undefined && !link.#killed) onCrash(code, signal)
        done()
      })
      reports.once('close', done)
    })
    link = new RelayLink({ pid: pid!, startTicks: startTicks ?? -1 }, ends, exited)
    const linked = link
    readReports(reports, (message) => {
      if (message.t === 'ready') linked.#setReady()
      if (message.t === 'end') linked.#ended.get(message.s)?.()
      onMessage(message)
    })
    return link
  }

  /** A relay left by a previous supervisor, if `identity` is still that process. */
  static adopt(identity: ProcessIdentity, pollIntervalMs: number): RelayLink | undefined {
    if (!isSameProcessAlive(identity)) return undefined
    const exited = new Promise<void>((resolve) => watchIdentity(identity, pollIntervalMs, resolve))
    const link = new RelayLink(identity, {}, exited)
    link.#setReady()
    return link
  }

  /** The end of an input socket to hand to the agent's spawn (the relay reads the other end). */
  agentEnd(stream: RelayStream): Socket | undefined {
    return this.#ends[stream]
  }

  /** The agent has its ends (or its spawn failed): ours go, so the relay sees the end of input. */
  release(): void {
    for (const end of Object.values(this.#ends)) end.destroy()
  }

  /** Resolves when the relay reported the end of `stream` (or is gone). */
  streamEnded(stream: RelayStream): Promise<void> {
    return this.#endPromises.get(stream)!
  }

  /**
   * Waits up to `graceMs` for the relay to finish on its own (its inputs end once every process
   * of the agent is gone), then asks it to (SIGTERM: it writes what it has) and finally kills it.
   * Resolves with its pid if it survived.
   */
  async settle(graceMs: number, killTimeoutMs: number): Promise<number[]> {
    let timer: NodeJS.Timeout | undefined
    const late = await Promise.race([
      this.exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), graceMs)
      }),
    ])
    clearTimeout(timer)
    if (!late) return []
    this.#killed = true
    const { survivors } = await terminateTree({
      root: this.identity,
      signal: 'SIGTERM',
      timeoutMs: killTimeoutMs,
      killTimeoutMs,
      tree: false,
      group: false,
    })
    return [...survivors]
  }
}

/** Parses the relay's newline-delimited reports; a malformed line is skipped. */
function readReports(socket: Socket, onMessage: (message: RelayMessage) => void): void {
  let pending = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    pending += chunk
    let start = 0
    for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n', start)) {
      const message = decodeMessage(pending.slice(start, nl))
      start = nl + 1
      if (message !== undefined) onMessage(message)
    }
    pending = pending.slice(start)
  })
  socket.on('error', () => {})
}
