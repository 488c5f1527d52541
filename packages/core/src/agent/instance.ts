import type { ChildProcess } from 'node:child_process'
import { rethrowLater } from '@warden/utils'
import { watchIdentity } from '../adopt/watch.js'
import { LogWriteError, NotStartableError, type SpawnError, StopTimeoutError } from '../errors.js'
import type { SupervisorEvents } from '../events.js'
import { AgentLogs } from '../logs/agent-logs.js'
import type { ResolvedSpec } from '../options.js'
import { startTimeFromTicks } from '../proc/boot.js'
import type { ProcessIdentity } from '../proc/stat.js'
import type { AgentRegistry } from '../registry/registry.js'
import type { AgentInfo, AgentStatus } from '../registry/types.js'
import { Backoff } from '../restart/backoff.js'
import { StartLimiter } from '../restart/start-limit.js'
import { terminateTree } from '../terminate/kill-tree.js'
import { durationOption, objectOption, signalOption } from '../validate.js'
import { cookieEntry, newCookie } from './cookie.js'
import { EventOutbox } from './outbox.js'
import { spawnAgent } from './spawn.js'

/** What an instance needs from its supervisor. */
export interface InstanceContext {
  readonly registry: AgentRegistry
  /** Delivers an event; never throws (a throwing listener is re-raised out of band). */
  emit<K extends keyof SupervisorEvents>(event: K, ...args: SupervisorEvents[K]): void
  persist(info: AgentInfo): void
  readonly adoptPollIntervalMs: number
  readonly killTimeoutMs: number
}

export interface StopOptions {
  /** @default the spec's stopSignal */
  readonly signal?: NodeJS.Signals
  /** Grace before SIGKILL, in ms (at most 2³¹−1). @default the spec's stopTimeoutMs */
  readonly timeoutMs?: number
}

const ACTIVE: ReadonlySet<AgentStatus> = new Set(['starting', 'running', 'stopping'])

/**
 * One agent: its process (spawned or adopted), restart policy, backoff timer and logs. All state
 * changes go through the registry, which is the single source of truth readers see.
 */
export class AgentInstance {
  readonly id: string
  readonly spec: ResolvedSpec
  readonly #ctx: InstanceContext
  readonly #backoff: Backoff
  readonly #limiter: StartLimiter
  readonly #logs: AgentLogs | undefined
  readonly #outbox = new EventOutbox()
  #child: ChildProcess | undefined
  #identity: ProcessIdentity | undefined
  /** The environment cookie of the current run: from its first spawn to the next clean stop. */
  #cookie: string | undefined
  /** Start ticks of the run's first process: every carrier of the cookie started at or after it. */
  #cookieSince: number | undefined
  #startedAt = 0
  #exited: Promise<void> | undefined
  #unwatch: (() => void) | undefined
  #timer: NodeJS.Timeout | undefined
  #attempt = 0
  #stopRequested = false
  #spawning: Promise<void> | undefined
  #stopping: Promise<AgentInfo> | undefined
  #last: AgentInfo

  /** Registers `initial` (status, restartCount...) in the context's registry. */
  constructor(spec: ResolvedSpec, ctx: InstanceContext, initial: AgentInfo) {
    this.id = spec.id
    this.spec = spec
    this.#ctx = ctx
    this.#last = ctx.registry.set(initial)
    ctx.persist(this.#last)
    this.#backoff = new Backoff(spec.backoff)
    this.#limiter = new StartLimiter(spec.startLimit)
    if (spec.logs !== undefined) {
      this.#logs = new AgentLogs(
        spec.logs,
        (stream, line) => ctx.emit('agent:log', { id: this.id, stream, line }),
        (path, cause, suppressed) =>
          this.#reportError(new LogWriteError({ id: this.id, path, cause, suppressed })),
      )
    }
  }

  /** The current snapshot (the last one once the agent is removed from the registry). */
  get info(): AgentInfo {
    return this.#ctx.registry.get(this.id) ?? this.#last
  }

  get pid(): number | null {
    return this.info.pid
  }

  isRunning(): boolean {
    return this.info.status === 'running'
  }

  /** Lines the log files had to drop because the disk fell behind (0 when healthy). */
  get droppedLogLines(): number {
    return this.#logs?.droppedLines ?? 0
  }

  /** Starts the agent now (a pending backoff restart is brought forward; a fatal agent is reset). */
  async start(): Promise<AgentInfo> {
    if (this.spec.command === undefined) throw new NotStartableError({ id: this.id })
    if (this.#stopping) await this.#stopping.catch(() => {})
    const status = this.info.status
    if (status === 'starting' || status === 'running') {
      await this.#spawning
      return this.info
    }
    this.#clearTimer()
    // An explicit start is an operator's decision: forget the crash history (systemctl reset-failed).
    this.#backoff.reset()
    this.#limiter.reset()
    this.#attempt = 0
    this.#stopRequested = false
    await this.#spawn()
    return this.info
  }

  /** Stops the process tree; resolves once every process of it is gone. A pending restart is cancelled. */
  stop(opts: StopOptions = {}): Promise<AgentInfo> {
    try {
      objectOption('stop options', opts, ['signal', 'timeoutMs'], 'the stop options')
      signalOption('signal', opts.signal, this.spec.stopSignal)
      durationOption('timeoutMs', opts.timeoutMs, 0)
    } catch (error) {
      return Promise.reject(error)
    }
    this.#stopRequested = true
    this.#stopping ??= this.#doStop(opts).finally(() => {
      this.#stopping = undefined
    })
    return this.#stopping
  }

  async restart(): Promise<AgentInfo> {
    // Checked first: stopping an adopted process we cannot start again would lose it.
    if (this.spec.command === undefined) throw new NotStartableError({ id: this.id })
    await this.stop()
    this.#update({ restartCount: this.info.restartCount + 1 })
    return this.start()
  }

  /** Watches a process we did not spawn. `identity` must be alive for the agent to be `running`. */
  adopt(identity: ProcessIdentity, alive: boolean): void {
    this.#outbox.batch(() => {
      this.#stopRequested = false
      if (!alive) {
        // The process we knew is gone (or its pid now names a stranger): never report the newcomer.
        this.#update({
          status: 'exited',
          pid: null,
          startTicks: null,
          adopted: true,
          lastExit: { code: null, signal: null, at: Date.now() },
        })
        if (this.#shouldRestart(null, null)) this.#scheduleRestart()
        return
      }
      this.#unwatch?.()
      this.#identity = identity
      this.#child = undefined
      this.#startedAt = startTimeFromTicks(identity.startTicks) ?? Date.now()
      this.#update({
        status: 'running',
        pid: identity.pid,
        startTicks: identity.startTicks,
        startTime: this.#startedAt,
        adopted: true,
      })
      this.#emit('agent:start', {
        id: this.id,
        pid: identity.pid,
        startTicks: identity.startTicks,
        adopted: true,
        restartCount: this.info.restartCount,
      })
      this.#unwatch = watchIdentity(identity, this.#ctx.adoptPollIntervalMs, () => {
        this.#unwatch = undefined
        if (this.#identity === identity) this.#onExit(identity.pid, null, null)
      })
    })
  }

  /** Releases timers, watchers and log files; call after stop(). */
  async dispose(): Promise<void> {
    this.#clearTimer()
    this.#unwatch?.()
    this.#unwatch = undefined
    await this.#logs?.close()
  }

  /** Waits until the log streams of the processes so far have ended and reached the files. */
  async flushLogs(): Promise<void> {
    await this.#logs?.flush()
  }

  async #spawn(): Promise<void> {
    let done!: () => void
    this.#spawning = new Promise((resolve) => (done = resolve))
    try {
      this.#limiter.record(Date.now())
      this.#update({ status: 'starting', pid: null, startTicks: null, adopted: false })
      this.#cookie ??= newCookie()
      const stdio = this.#logs?.stdio() ?? ['ignore', 'ignore', 'ignore']
      const result = await spawnAgent(this.spec, stdio, this.#cookie)
      this.#outbox.batch(() => {
        if (!result.ok) {
          this.#onSpawnFailure(result.error)
          return
        }
        const { child, pid, startTicks } = result
        this.#child = child
        this.#identity = { pid, startTicks: startTicks ?? -1 }
        this.#cookieSince ??= startTicks ?? undefined
        this.#startedAt = Date.now()
        this.#exited = new Promise((resolve) => child.once('exit', () => resolve()))
        child.once('exit', (code, signal) => {
          if (this.#child === child) this.#onExit(pid, code, signal)
        })
        this.#logs?.attach(child)
        this.#update({ status: 'running', pid, startTicks, startTime: this.#startedAt, lastError: undefined })
        this.#emit('agent:start', {
          id: this.id,
          pid,
          startTicks,
          adopted: false,
          restartCount: this.info.restartCount,
        })
      })
    } finally {
      done()
      this.#spawning = undefined
    }
  }

  #onSpawnFailure(error: SpawnError): void {
    const lastError = { code: error.code, errno: error.syscallCode, message: error.message, at: Date.now() }
    if (this.#stopRequested) {
      this.#update({ status: 'stopped', lastError })
    } else if (this.spec.restart === 'never') {
      this.#update({ status: 'fatal', lastError })
      this.#emit('agent:fatal', { id: this.id, reason: 'spawn-failed', error })
    } else {
      this.#update({ lastError })
      this.#scheduleRestart(error)
    }
  }

  #onExit(pid: number, code: number | null, signal: NodeJS.Signals | null): void {
    this.#outbox.batch(() => {
      const now = Date.now()
      const uptimeMs = Math.max(0, now - this.#startedAt)
      this.#identity = undefined
      this.#unwatch?.()
      this.#unwatch = undefined
      const expected = this.#stopRequested
      const spawned = this.#child !== undefined
      this.#child = undefined
      // Like systemd's control-group kill: what the crashed leader leaves in its group goes with it.
      if (!expected && spawned && this.spec.killTree) {
        try {
          process.kill(-pid, this.spec.stopSignal)
        } catch {
          // ESRCH: nothing was left in the group.
        }
      }
      this.#emit('agent:exit', { id: this.id, pid, code, signal, uptimeMs, expected })
      this.#update({ lastExit: { code, signal, at: now } })
      // stop() owns the transition to 'stopped'.
      if (expected) return
      if (uptimeMs >= this.spec.minUptimeMs) {
        this.#backoff.reset()
        this.#attempt = 0
      }
      if (this.#shouldRestart(code, signal)) this.#scheduleRestart()
      else this.#update({ status: 'exited', pid: null, startTicks: null })
    })
  }

  #shouldRestart(code: number | null, signal: NodeJS.Signals | null): boolean {
    if (this.spec.command === undefined || this.#stopRequested) return false
    if (this.spec.restart === 'always') return true
    // Unknown outcome (adopted process: no exit status) counts as a failure.
    return this.spec.restart === 'on-failure' && !(code === 0 && signal === null)
  }

  #scheduleRestart(error?: SpawnError): void {
    this.#outbox.batch(() => {
      const delayMs = this.#backoff.peek()
      if (this.#limiter.wouldExceed(Date.now() + delayMs)) {
        this.#update({ status: 'fatal', pid: null, startTicks: null })
        this.#emit('agent:fatal', { id: this.id, reason: 'start-limit', ...(error ? { error } : {}) })
        return
      }
      this.#backoff.next()
      const attempt = ++this.#attempt
      this.#update({ status: 'backoff', pid: null, startTicks: null })
      this.#emit('agent:backoff', { id: this.id, attempt, delayMs, ...(error ? { error } : {}) })
      this.#timer = setTimeout(() => {
        this.#timer = undefined
        this.#outbox.batch(() => {
          this.#update({ restartCount: this.info.restartCount + 1 })
          this.#emit('agent:restart', { id: this.id, attempt, delayMs })
        })
        void this.#spawn().catch(rethrowLater)
      }, delayMs)
    })
  }

  async #doStop(opts: StopOptions): Promise<AgentInfo> {
    if (this.#spawning) await this.#spawning
    if (this.#timer !== undefined) {
      this.#clearTimer()
      this.#update({ status: 'stopped' })
    }
    const identity = this.#identity
    const running = identity !== undefined && ACTIVE.has(this.info.status)
    // Without a process, what earlier processes of the run left behind is still swept.
    if (!running && this.#cookie === undefined) return this.info
    if (running) this.#update({ status: 'stopping' })
    const child = running ? this.#child : undefined
    const exited = this.#exited
    if (running && child === undefined) {
      this.#unwatch?.()
      this.#unwatch = undefined
    }
    const cookie = this.#cookie
    const result = await terminateTree({
      root: running ? identity : undefined,
      signal: opts.signal ?? this.spec.stopSignal,
      timeoutMs: opts.timeoutMs ?? this.spec.stopTimeoutMs,
      killTimeoutMs: this.#ctx.killTimeoutMs,
      tree: this.spec.killTree,
      group: this.spec.killTree,
      envCookie: cookie === undefined ? undefined : cookieEntry(cookie),
      sinceTicks: this.#cookieSince,
    })
    if (child !== undefined && exited !== undefined && !result.survivors.includes(identity!.pid)) await exited
    if (running && child === undefined && this.#identity === identity) this.#onExit(identity.pid, null, null)
    const stopped = running ? ({ status: 'stopped', pid: null, startTicks: null } as const) : {}
    if (result.survivors.length > 0) {
      const error = new StopTimeoutError({ id: this.id, survivors: result.survivors })
      this.#update({ ...stopped, lastError: { code: error.code, message: error.message, at: Date.now() } })
      throw error
    }
    // A clean stop ends the run: the next spawn gets a new cookie.
    this.#cookie = undefined
    this.#cookieSince = undefined
    return this.#update(stopped)
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #reportError(error: Error & { code: string }): void {
    this.#outbox.batch(() => {
      this.#update({ lastError: { code: error.code, message: error.message, at: Date.now() } }, false)
      this.#emit('agent:error', { id: this.id, error })
    })
  }

  /** Publishes a change and schedules its save, then (once the transition is done) agent:status. */
  #update(patch: Partial<Omit<AgentInfo, 'id'>>, persist = true): AgentInfo {
    return this.#outbox.batch(() => {
      const registry = this.#ctx.registry
      const previous = registry.get(this.id)
      if (previous === undefined) return this.info
      const next = registry.update(this.id, patch)
      this.#last = next
      if (persist) this.#ctx.persist(next)
      if (previous.status !== next.status) {
        this.#emit('agent:status', { id: this.id, from: previous.status, to: next.status, info: next })
      }
      return next
    })
  }

  #emit<K extends keyof SupervisorEvents>(event: K, ...args: SupervisorEvents[K]): void {
    this.#outbox.emit(() => this.#ctx.emit(event, ...args))
  }

  /** Records an error reported from outside (persistence) without persisting it again. */
  recordError(error: Error & { code: string }): void {
    this.#reportError(error)
  }
}
