import type { ChildProcess } from 'node:child_process'
import type { ProcessIdentity } from '@warden/utils'
import {
  cgroupOf,
  cgroupPopulated,
  rethrowLater,
  startTimeFromTicks,
  UNKNOWN_START_TICKS,
} from '@warden/utils'
import { watchIdentity } from '../adopt/exit-poll.js'
import { AgentCgroup } from '../cgroup/agent-cgroup.js'
import type { CgroupParent } from '../cgroup/parent.js'
import {
  AgentExistsError,
  CgroupError,
  errorMessage,
  LogRelayError,
  LogWriteError,
  NotStartableError,
  SpawnError,
  StopTimeoutError,
  SupersededError,
} from '../errors.js'
import type { AgentError, SupervisorEvents } from '../events.js'
import { AgentLogs, type ProcessOutput } from '../logs/agent-logs.js'
import type { ResolvedSpec } from '../options.js'
import { snapshot } from '../persist/snapshot.js'
import type { PersistedAgentState } from '../persist/state.js'
import type { RegistryWriter } from '../registry/registry.js'
import type { AgentInfo } from '../registry/types.js'
import type { RelayHub } from '../relay/hub.js'
import { Backoff } from '../restart/backoff.js'
import { StartLimiter } from '../restart/start-limit.js'
import type { LiveRun } from '../restore/live.js'
import { terminateTree } from '../terminate/kill-tree.js'
import { durationOption, objectOption, signalOption } from '../validate.js'
import { cookieEntry, newCookie } from './cookie.js'
import { LifecycleQueue, type Operation, type OperationKind, wantsUp } from './lifecycle.js'
import { EventOutbox } from './outbox.js'
import { spawnAgent } from './spawn.js'

/** What an instance needs from its supervisor. */
export interface InstanceContext {
  readonly registry: RegistryWriter
  /** Delivers an event; never throws (a throwing listener is re-raised out of band). */
  emit<K extends keyof SupervisorEvents>(event: K, ...args: SupervisorEvents[K]): void
  persist(id: string, state: PersistedAgentState): void
  readonly adoptPollIntervalMs: number
  readonly killTimeoutMs: number
  /** The supervisor's log relay (shared by its agents). */
  readonly relays: RelayHub
  /** Where the agents' cgroups are made. */
  readonly cgroups: CgroupParent
}

export interface StopOptions {
  /** @default the spec's stopSignal */
  readonly signal?: NodeJS.Signals
  /** Grace before SIGKILL, in ms (at most 2³¹−1). @default the spec's stopTimeoutMs */
  readonly timeoutMs?: number
}

interface OperationOptions {
  readonly stop?: StopOptions
  readonly retry?: { readonly attempt: number; readonly delayMs: number }
}

/** Why no more start/restart is accepted (a shutdown or a removal): the error each call gets. */
export type CloseReason = (operation: 'start' | 'restart' | 'stop') => Error

/**
 * What `restore()` did with an agent: `adopted` its recorded process (still running), `stopped` it
 * (still running, but a stop was the last request), `started` it (stopped by a shutdown, or never
 * run), `restarting` it (it died while no supervisor watched and its policy restarts it), or
 * `kept` the recorded state (stopped on request, exited, fatal, or died and not restarted).
 */
export type RestoreOutcome = 'adopted' | 'stopped' | 'started' | 'restarting' | 'kept'

/**
 * One agent: its process (spawned or adopted), restart policy, backoff timer and logs. Lifecycle
 * calls go through one ordered queue (see lifecycle.ts); all state changes go through the registry,
 * the single source of truth readers see; events go out once a transition is complete.
 */
export class AgentInstance {
  readonly id: string
  readonly spec: ResolvedSpec
  readonly #ctx: InstanceContext
  readonly #backoff: Backoff
  readonly #limiter: StartLimiter
  readonly #logs: AgentLogs
  readonly #outbox = new EventOutbox()
  readonly #ops: LifecycleQueue<OperationOptions>
  /** The direction the last request asked for: the restart policy only acts while it is 'up'. */
  #want: 'up' | 'down' = 'down'
  /** The same, saved: a shutdown (or a removal) stops the agent without changing it. */
  #wanted: 'up' | 'down' = 'down'
  #closedBy: CloseReason | undefined
  #child: ChildProcess | undefined
  #identity: ProcessIdentity | undefined
  /** The environment cookie of the current run: from its first spawn to the next clean stop. */
  #cookie: string | undefined
  /** Start ticks of the run's first process: every carrier of the cookie started at or after it. */
  #cookieSince: number | undefined
  #startedAt = 0
  /** The cgroup of the current process (or of what an earlier one left behind) while it exists. */
  #cgroup: AgentCgroup | undefined
  /** Stopping what a process that exited on its own left in its cgroup: the next spawn waits for it. */
  #cleanup: Promise<void> | undefined
  #exited: Promise<void> | undefined
  #unwatch: (() => void) | undefined
  #timer: NodeJS.Timeout | undefined
  #attempt = 0
  /** Whether a process ran since the last stop: a spawn then replaces it (a real restart). */
  #hadProcess = false
  /** An operation is killing the process: its exit is expected and the operation owns the status. */
  #terminating = false
  #last: AgentInfo

  /** Registers `initial` (status, restartCount...) in the context's registry. */
  constructor(spec: ResolvedSpec, ctx: InstanceContext, initial: AgentInfo) {
    this.id = spec.id
    this.spec = spec
    this.#ctx = ctx
    // Not saved yet: a record left by a previous supervisor is restore()'s to read first.
    this.#last = ctx.registry.set(initial)
    this.#backoff = new Backoff(spec.backoff)
    this.#limiter = new StartLimiter(spec.startLimit)
    this.#ops = new LifecycleQueue((op) => this.#execute(op))
    this.#logs = new AgentLogs(
      spec.id,
      spec.logs,
      spec.stderrTail,
      spec.user === undefined ? undefined : { uid: spec.user.uid, gid: spec.user.gid },
      ctx.relays,
      {
        line: (stream, line) => ctx.emit('agent:log', { id: this.id, stream, line }),
        writeError: (path, cause, suppressed) =>
          this.#reportError(new LogWriteError({ id: this.id, path, cause, suppressed })),
        relayFailed: (pid, exitCode, signal) =>
          this.#reportError(new LogRelayError({ id: this.id, pid, exitCode, signal })),
        dropped: (droppedLogLines) => this.#update({ droppedLogLines }, false),
      },
    )
  }

  /** The current snapshot (the last one once the agent is removed from the registry). */
  get info(): AgentInfo {
    return this.#ctx.registry.get(this.id) ?? this.#last
  }

  /** Starts the agent (a pending backoff restart is brought forward; a fatal agent is reset). */
  start(): Promise<AgentInfo> {
    if (this.spec.command === undefined) return Promise.reject(new NotStartableError({ id: this.id }))
    return this.#request('start', {})
  }

  /** Stops every process of the agent; resolves once all are gone. A pending restart is cancelled. */
  stop(opts: StopOptions = {}): Promise<AgentInfo> {
    try {
      objectOption('stop options', opts, ['signal', 'timeoutMs'], 'the stop options')
      signalOption('signal', opts.signal, this.spec.stopSignal)
      durationOption('timeoutMs', opts.timeoutMs, 0)
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#request('stop', { stop: opts })
  }

  /** Stops the current process (if any), then spawns a new one. */
  restart(): Promise<AgentInfo> {
    // Checked first: stopping an adopted process we cannot start again would lose it.
    if (this.spec.command === undefined) return Promise.reject(new NotStartableError({ id: this.id }))
    return this.#request('restart', {})
  }

  /**
   * Refuses every later start/restart with `reason`'s error, supersedes the unfulfilled ones with
   * it, and stops the agent; nothing is spawned again. Resolves (or rejects) as that stop does.
   */
  close(reason: CloseReason): Promise<AgentInfo> {
    this.#closedBy ??= reason
    return this.#request('stop', {}, this.#closedBy)
  }

  /** Whether nothing runs or is asked of it: adopt() and restore() may take it over. */
  get idle(): boolean {
    return this.#closedBy === undefined && !this.#ops.busy && this.#identity === undefined
  }

  /** Watches a process we did not spawn. `identity` must be alive for the agent to be `running`. */
  adopt(identity: ProcessIdentity, alive: boolean): void {
    if (!this.idle) throw new AgentExistsError({ id: this.id })
    this.#outbox.batch(() => {
      this.#want = 'up'
      this.#wanted = 'up'
      this.#clearTimer()
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
      this.#identity = identity
      this.#child = undefined
      this.#hadProcess = true
      this.#startedAt = startTimeFromTicks(identity.startTicks) ?? Date.now()
      // Only a process already in a cgroup of ours is contained; others keep the process-group stop.
      const relative = this.#ctx.cgroups.agentRelative(this.id)
      const contained = relative !== undefined && cgroupOf(identity.pid) === relative
      if (contained) this.#cgroup ??= new AgentCgroup(this.id, this.#ctx.cgroups.agentPath(this.id)!)
      this.#unwatch = watchIdentity(identity, this.#ctx.adoptPollIntervalMs, () => {
        this.#unwatch = undefined
        if (this.#identity === identity) this.#onExit(identity.pid, null, null, this.#logs.adoptedTail())
      })
      this.#update({
        status: 'running',
        pid: identity.pid,
        startTicks: identity.startTicks,
        startTime: this.#startedAt,
        adopted: true,
        cgroup: contained ? this.#cgroup?.path : undefined,
      })
      this.#emit('agent:start', {
        id: this.id,
        pid: identity.pid,
        startTicks: identity.startTicks,
        adopted: true,
        restartCount: this.info.restartCount,
      })
    })
  }

  /**
   * Takes over what a previous supervisor saved (its counters, last exit and error, the run's
   * cookie) and brings the agent to the state it was wanted in: the recorded process, if `live`,
   * is adopted (and stopped when a stop was the last request); else the recorded status and the
   * restart policy decide. The agent must be idle.
   */
  async restore(state: PersistedAgentState, live: LiveRun): Promise<RestoreOutcome> {
    if (!this.idle) throw new AgentExistsError({ id: this.id })
    const kept = state.status === 'stopped' || state.status === 'exited' || state.status === 'fatal'
    this.#update(
      {
        status: kept ? state.status : 'stopped',
        restartCount: state.restartCount,
        ...(state.oomRestarts === undefined ? {} : { oomRestarts: state.oomRestarts }),
        startTime: state.startTime,
        lastExit: state.lastExit,
        lastError: state.lastError,
      },
      false,
    )
    this.#cookie = state.run?.cookie
    this.#cookieSince = state.run?.cookieSinceTicks ?? undefined
    this.#wanted = state.want
    // Its relay, still writing what the process writes, is attached again: agent:log goes on.
    this.#logs.adopt(live.relay, live.stderrFile)
    this.#findCgroup(live.process)
    if (live.process !== undefined) {
      this.adopt(live.process, true)
      if (state.want === 'up') return 'adopted'
      await this.stop()
      return 'stopped'
    }
    if (state.want === 'down' || state.status === 'exited' || state.status === 'fatal') {
      this.#save()
      return 'kept'
    }
    if (state.status === 'stopped' || state.status === 'starting') {
      if (this.spec.command === undefined) return 'kept'
      await this.start()
      return 'started'
    }
    return this.#diedUnseen(state.status === 'backoff') ? 'restarting' : 'kept'
  }

  /**
   * The recorded process ended while no supervisor watched (no exit status): the policy decides,
   * as for an adopted process. A crash that was already waiting for its restart keeps its lastExit.
   */
  #diedUnseen(crashRecorded: boolean): boolean {
    return this.#outbox.batch(() => {
      this.#want = 'up'
      this.#wanted = 'up'
      this.#hadProcess = true
      const lastExit = crashRecorded ? this.info.lastExit : { code: null, signal: null, at: Date.now() }
      this.#update({ status: 'exited', pid: null, startTicks: null, lastExit })
      if (!this.#shouldRestart(null, null)) return false
      this.#scheduleRestart()
      return true
    })
  }

  /**
   * After a supervisor restart: takes the agent's cgroup (`agent-<id>` under the parent) back. What
   * is left in it without a live recorded process is stopped (the next spawn waits for that).
   */
  #findCgroup(live: ProcessIdentity | undefined): void {
    const path = this.#ctx.cgroups.agentPath(this.id)
    if (path === undefined || cgroupPopulated(path) === undefined) return
    this.#cgroup = new AgentCgroup(this.id, path)
    if (live !== undefined && cgroupOf(live.pid) === this.#ctx.cgroups.agentRelative(this.id)) {
      this.#update({ cgroup: path }, false)
      return
    }
    // No recorded process lives in it: what is left there is stopped now, whatever the outcome.
    this.#sweepCgroup()
  }

  /** Releases timers, watchers and log files; call after stop(). */
  async dispose(): Promise<void> {
    this.#clearTimer()
    await this.#cleanup
    this.#unwatch?.()
    this.#unwatch = undefined
    await this.#logs.close(this.#ctx.killTimeoutMs)
  }

  /** Waits until the log streams of the processes so far have ended and reached the files. */
  async flushLogs(): Promise<void> {
    await this.#logs.flush()
  }

  /** Records an error reported from outside (persistence) without persisting it again. */
  recordError(error: AgentError): void {
    this.#reportError(error)
  }

  #request(
    kind: 'start' | 'restart' | 'stop',
    options: OperationOptions,
    reason?: CloseReason,
  ): Promise<AgentInfo> {
    if (this.#closedBy !== undefined && kind !== 'stop') return Promise.reject(this.#closedBy(kind))
    this.#want = wantsUp(kind) ? 'up' : 'down'
    if (reason === undefined) this.#wanted = this.#want
    // An explicit request decides from now on: a pending automatic restart must not race it.
    this.#clearTimer()
    const conflict = (op: Operation<OperationOptions>): Error =>
      reason?.(userKind(op.kind)) ??
      new SupersededError({ id: this.id, operation: userKind(op.kind), by: kind })
    return this.#ops.request(kind, options, conflict).join()
  }

  #execute(op: Operation<OperationOptions>): Promise<AgentInfo> {
    switch (op.kind) {
      case 'stop':
        return this.#doStop(op.options.stop ?? {})
      case 'start':
        return this.#doStart(op)
      case 'restart':
        return this.#doRestart(op)
      case 'respawn':
        // No caller waits for it: a bug here must surface, not vanish in a rejected promise.
        return this.#doRespawn(op).catch((error) => {
          rethrowLater(error)
          return this.info
        })
    }
  }

  async #doStart(op: Operation<OperationOptions>): Promise<AgentInfo> {
    if (op.cancelled || this.#identity !== undefined) return this.info
    this.#resetCrashHistory()
    await this.#spawn(op, false)
    return this.info
  }

  async #doRestart(op: Operation<OperationOptions>): Promise<AgentInfo> {
    const replaces = this.#hadProcess
    if (this.#identity !== undefined || this.#cookie !== undefined || this.#cgroup !== undefined) {
      await this.#terminate({})
    }
    if (op.cancelled) return this.info
    this.#resetCrashHistory()
    await this.#spawn(op, replaces)
    return this.info
  }

  async #doRespawn(op: Operation<OperationOptions>): Promise<AgentInfo> {
    const retry = op.options.retry
    if (op.cancelled || this.#want !== 'up' || this.#closedBy !== undefined) return this.info
    if (retry === undefined || this.info.status !== 'backoff') return this.info
    await this.#spawn(op, this.#hadProcess)
    return this.info
  }

  async #doStop(opts: StopOptions): Promise<AgentInfo> {
    this.#clearTimer()
    try {
      if (this.#identity !== undefined || this.#cookie !== undefined || this.#cgroup !== undefined) {
        await this.#terminate(opts)
      }
    } finally {
      // exited and fatal say more than stopped about an agent that was not running: they stay.
      const status = this.info.status
      if (status !== 'stopped' && status !== 'exited' && status !== 'fatal') {
        this.#update({ status: 'stopped', pid: null, startTicks: null })
      }
    }
    return this.info
  }

  /**
   * Kills the current process with everything the agent started (its tree, group, session and
   * whatever carries the run's cookie), then `stopped`. Without a process, sweeps the cookie's
   * carriers (left behind by earlier processes of the run) and leaves the status alone.
   */
  async #terminate(opts: StopOptions): Promise<void> {
    const identity = this.#identity
    const child = this.#child
    const exited = this.#exited
    const cookie = this.#cookie
    this.#terminating = true
    if (identity !== undefined) this.#update({ status: 'stopping' })
    if (child === undefined) {
      this.#unwatch?.()
      this.#unwatch = undefined
    }
    const signal = opts.signal ?? this.spec.stopSignal
    const timeoutMs = opts.timeoutMs ?? this.spec.stopTimeoutMs
    // What an earlier process left is being stopped: this stop goes on from there.
    await this.#cleanup
    const cgroup = this.#cgroup
    // Spawned into it, or adopted from it; else (a process-group run) the cgroup only holds leftovers.
    const contained =
      cgroup !== undefined &&
      (identity === undefined || child !== undefined || cgroup.members().includes(identity.pid))
    const leftovers =
      cgroup !== undefined && !contained ? await this.#stopCgroup(cgroup, signal, timeoutMs) : undefined
    const stopped =
      cgroup !== undefined && contained
        ? await this.#stopCgroup(cgroup, signal, timeoutMs)
        : await terminateTree({
            root: identity,
            signal,
            timeoutMs,
            killTimeoutMs: this.#ctx.killTimeoutMs,
            tree: this.spec.killTree,
            group: this.spec.killTree,
            envCookie: cookie === undefined ? undefined : cookieEntry(cookie),
            sinceTicks: this.#cookieSince,
          })
    const result = { survivors: [...stopped.survivors, ...(leftovers?.survivors ?? [])] }
    const rootSurvived = identity !== undefined && result.survivors.includes(identity.pid)
    if (child !== undefined && exited !== undefined && !rootSurvived) await exited
    // Its streams end once the agent's processes are gone; stop() resolves with the logs written.
    await this.#logs.settle(this.#ctx.killTimeoutMs)
    const survivors = result.survivors
    this.#outbox.batch(() => {
      if (identity !== undefined && this.#identity === identity) {
        // Adopted (no exit event exists), or a root that survived SIGKILL: we let go of it.
        if (rootSurvived) this.#forget()
        else this.#onExit(identity.pid, null, null, this.#logs.adoptedTail())
      }
      this.#terminating = false
      if (survivors.length === 0) {
        // A clean stop ends the run: the next spawn gets a new cookie.
        this.#logs.endRun()
        this.#cookie = undefined
        this.#cookieSince = undefined
        this.#hadProcess = false
        if (identity !== undefined) this.#update({ status: 'stopped', pid: null, startTicks: null })
        else this.#save()
        return
      }
      const error = new StopTimeoutError({ id: this.id, survivors })
      const lastError = { code: error.code, message: error.message, at: Date.now() }
      if (identity !== undefined) this.#update({ status: 'stopped', pid: null, startTicks: null, lastError })
      else this.#update({ lastError })
      throw error
    })
  }

  /**
   * Stops everything in the agent's cgroup (signal, grace, `cgroup.kill`, `populated 0`) and removes
   * the cgroup once it is empty.
   */
  async #stopCgroup(
    cgroup: AgentCgroup,
    signal: NodeJS.Signals,
    timeoutMs: number,
  ): Promise<{ survivors: readonly number[] }> {
    const result = await cgroup.stop({ signal, timeoutMs, killTimeoutMs: this.#ctx.killTimeoutMs })
    if (result.survivors.length === 0 && cgroup.remove() && this.#cgroup === cgroup) {
      this.#cgroup = undefined
      this.#update({ cgroup: undefined }, false)
    }
    return result
  }

  /**
   * A process exited on its own (or restore() found its cgroup without it): whatever it left in its
   * cgroup is stopped as `stop()` would, in the background; the next spawn and any stop wait for it.
   */
  #sweepCgroup(): void {
    const cgroup = this.#cgroup
    if (cgroup === undefined || this.#cleanup !== undefined) return
    const sweep = this.#stopCgroup(cgroup, this.spec.stopSignal, this.spec.stopTimeoutMs).then(
      () => {
        if (this.#cleanup === sweep) this.#cleanup = undefined
      },
      (error: unknown) => {
        if (this.#cleanup === sweep) this.#cleanup = undefined
        rethrowLater(error)
      },
    )
    this.#cleanup = sweep
  }

  /**
   * The cgroup for the next process: undefined for a process group (asked for, or `auto` where none
   * can be made). Throws the CgroupError when a cgroup is required (`cgroup`, or limits) and cannot be had.
   */
  async #prepareCgroup(): Promise<AgentCgroup | undefined> {
    const { containment, limits } = this.spec
    // A stop of the main pid only (killTree: false) cannot be a cgroup's.
    if (containment === 'process-group' || (containment === 'auto' && !this.spec.killTree)) return undefined
    // Anything an earlier process left is gone before the next one runs.
    await this.#cleanup
    const left = this.#cgroup
    if (left !== undefined) {
      const { survivors } = await this.#stopCgroup(left, this.spec.stopSignal, this.spec.stopTimeoutMs)
      if (survivors.length > 0) {
        throw new CgroupError({
          id: this.id,
          reason: 'busy',
          message: `${survivors.length} process(es) of an earlier run survived SIGKILL in ${left.path}`,
          path: left.path,
        })
      }
    }
    const limited =
      limits.memoryMax !== undefined || limits.cpuMax !== undefined || limits.pidsMax !== undefined
    try {
      return AgentCgroup.create(this.id, this.#ctx.cgroups, limits)
    } catch (error) {
      if (containment === 'auto' && !limited && error instanceof CgroupError) return undefined
      throw error
    }
  }

  /** Spawns the next process; `countsAsRestart` when it replaces an earlier one of this run. */
  async #spawn(op: Operation<OperationOptions>, countsAsRestart: boolean): Promise<void> {
    op.markSpawned()
    const retry = op.options.retry
    this.#outbox.batch(() => {
      if (retry !== undefined) {
        this.#emit('agent:restart', { id: this.id, attempt: retry.attempt, delayMs: retry.delayMs })
      }
      this.#limiter.record(Date.now())
      this.#update({ status: 'starting', pid: null, startTicks: null, adopted: false })
    })
    // A listener of those events asked for a stop (or a shutdown): the queued stop settles it.
    if (op.cancelled) return
    this.#cookie ??= newCookie()
    let output: ProcessOutput
    try {
      output = await this.#logs.prepare()
    } catch (cause) {
      const reason = `its log relay could not take its output: ${errorMessage(cause)}`
      const error = new SpawnError({ id: this.id, command: this.spec.command ?? '', reason, cause })
      this.#outbox.batch(() => this.#onSpawnFailure(error))
      return
    }
    let cgroup: AgentCgroup | undefined
    try {
      cgroup = await this.#prepareCgroup()
    } catch (cause) {
      const reason = errorMessage(cause)
      const error = new SpawnError({ id: this.id, command: this.spec.command ?? '', reason, cause })
      this.#outbox.batch(() => {
        output.release()
        this.#onSpawnFailure(error)
      })
      return
    }
    const result = await spawnAgent(this.spec, output.stdio, this.#cookie, cgroup)
    this.#outbox.batch(() => {
      output.release()
      if (!result.ok) {
        // Made for this process: nothing runs in it.
        cgroup?.remove()
        this.#onSpawnFailure(result.error)
        return
      }
      this.#cgroup = cgroup
      const { child, pid, startTicks } = result
      this.#child = child
      this.#identity = { pid, startTicks: startTicks ?? UNKNOWN_START_TICKS }
      this.#cookieSince ??= startTicks ?? undefined
      this.#hadProcess = true
      this.#startedAt = Date.now()
      // Resolves once the exit is processed (after the stderr tail is in), so stop() sees the outcome.
      this.#exited = new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          if (this.#child !== child) return resolve()
          this.#reapGroup(pid)
          const finish = (tail: string[]): void => {
            if (this.#child === child) this.#onExit(pid, code, signal, tail)
            resolve()
          }
          const tail = output.tailAtExit()
          if (Array.isArray(tail)) finish(tail)
          else void tail.then(finish)
        })
      })
      const restartCount = this.info.restartCount + (countsAsRestart ? 1 : 0)
      // Restarts after an OOM kill, for `warden_agent_restarts_total{reason="oom"}`.
      const oom =
        countsAsRestart && this.info.lastExit?.reason === 'oom'
          ? { oomRestarts: (this.info.oomRestarts ?? 0) + 1 }
          : {}
      this.#update({
        status: 'running',
        pid,
        startTicks,
        startTime: this.#startedAt,
        restartCount,
        ...oom,
        lastError: undefined,
        cgroup: cgroup?.path,
      })
      this.#emit('agent:start', { id: this.id, pid, startTicks, adopted: false, restartCount })
    })
  }

  #onSpawnFailure(error: SpawnError): void {
    const lastError = { code: error.code, errno: error.syscallCode, message: error.message, at: Date.now() }
    if (this.#want !== 'up' || this.#closedBy !== undefined) {
      this.#update({ status: 'stopped', lastError })
    } else if (this.spec.restart === 'never') {
      this.#update({ status: 'fatal', lastError })
      this.#emit('agent:fatal', { id: this.id, reason: 'spawn-failed', error })
    } else {
      this.#update({ lastError })
      this.#scheduleRestart(error)
    }
  }

  /** Like systemd's control-group kill: what a crashed leader leaves in its group goes with it. */
  #reapGroup(pid: number): void {
    const expected = this.#terminating || this.#want === 'down' || this.#closedBy !== undefined
    // A cgroup's leftovers are stopped by #onExit (sweepCgroup), whatever the policy.
    if (expected || !this.spec.killTree || this.#cgroup !== undefined) return
    try {
      process.kill(-pid, this.spec.stopSignal)
    } catch {
      // ESRCH: nothing was left in the group.
    }
  }

  #onExit(pid: number, code: number | null, signal: NodeJS.Signals | null, stderrTail: string[]): void {
    this.#outbox.batch(() => {
      const now = Date.now()
      const uptimeMs = Math.max(0, now - this.#startedAt)
      const expected = this.#terminating || this.#want === 'down' || this.#closedBy !== undefined
      const reason = this.#cgroup?.oomKilledSincePlaced() ? ({ reason: 'oom' } as const) : {}
      this.#forget()
      // Never left running unseen: what it left in its cgroup is stopped before anything else runs.
      if (!this.#terminating) this.#sweepCgroup()
      this.#emit('agent:exit', { id: this.id, pid, code, signal, uptimeMs, expected, stderrTail, ...reason })
      const lastExit = { code, signal, at: now, ...(stderrTail.length > 0 ? { stderrTail } : {}), ...reason }
      // The operation that is killing the process owns the transition to 'stopped'.
      if (this.#terminating) {
        this.#update({ lastExit })
        return
      }
      if (uptimeMs >= this.spec.minUptimeMs) {
        this.#backoff.reset()
        this.#attempt = 0
      }
      if (!expected && this.#shouldRestart(code, signal)) {
        this.#update({ lastExit })
        this.#scheduleRestart()
      } else {
        this.#update({ lastExit, status: 'exited', pid: null, startTicks: null })
      }
    })
  }

  #forget(): void {
    this.#identity = undefined
    this.#child = undefined
    this.#unwatch?.()
    this.#unwatch = undefined
  }

  #shouldRestart(code: number | null, signal: NodeJS.Signals | null): boolean {
    if (this.spec.command === undefined || this.#want !== 'up' || this.#closedBy !== undefined) return false
    if (this.spec.restart === 'always') return true
    // Unknown outcome (adopted process: no exit status) counts as a failure.
    return this.spec.restart === 'on-failure' && !(code === 0 && signal === null)
  }

  #scheduleRestart(error?: SpawnError): void {
    const delayMs = this.#backoff.peek()
    if (this.#limiter.wouldExceed(Date.now() + delayMs)) {
      this.#update({ status: 'fatal', pid: null, startTicks: null })
      const stderrTail = error === undefined ? this.info.lastExit?.stderrTail : undefined
      this.#emit('agent:fatal', {
        id: this.id,
        reason: 'start-limit',
        ...(error ? { error } : {}),
        ...(stderrTail ? { stderrTail } : {}),
      })
      return
    }
    this.#backoff.next()
    const attempt = ++this.#attempt
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      if (this.#want !== 'up' || this.#closedBy !== undefined) return
      this.#ops.request('respawn', { retry: { attempt, delayMs } }, (op) => {
        return new SupersededError({ id: this.id, operation: userKind(op.kind), by: 'restart' })
      })
    }, delayMs)
    this.#update({ status: 'backoff', pid: null, startTicks: null })
    this.#emit('agent:backoff', { id: this.id, attempt, delayMs, ...(error ? { error } : {}) })
  }

  #resetCrashHistory(): void {
    // An explicit start is an operator's decision: forget the crash history (systemctl reset-failed).
    this.#backoff.reset()
    this.#limiter.reset()
    this.#attempt = 0
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #reportError(error: AgentError): void {
    this.#outbox.batch(() => {
      this.#update({ lastError: { code: error.code, message: error.message, at: Date.now() } }, false)
      this.#emit('agent:error', { id: this.id, error })
    })
  }

  /** Schedules a save of everything a restarted supervisor needs. */
  #save(): void {
    const run = {
      cookie: this.#cookie,
      cookieSinceTicks: this.#cookieSince,
      relay: this.#logs.relay,
      stderrFile: this.#logs.stderrFile?.identity,
    }
    this.#ctx.persist(this.id, snapshot(this.info, this.#wanted, run, this.spec.stored))
  }

  #emit<K extends keyof SupervisorEvents>(event: K, ...args: SupervisorEvents[K]): void {
    this.#outbox.emit(() => this.#ctx.emit(event, ...args))
  }

  /** Publishes a change and schedules its save, then (once the transition is done) agent:status. */
  #update(patch: Partial<Omit<AgentInfo, 'id'>>, persist = true): AgentInfo {
    return this.#outbox.batch(() => {
      const registry = this.#ctx.registry
      const previous = registry.get(this.id)
      if (previous === undefined) return this.info
      const next = registry.update(this.id, patch)
      this.#last = next
      if (persist) this.#save()
      if (previous.status !== next.status) {
        this.#emit('agent:status', { id: this.id, from: previous.status, to: next.status, info: next })
      }
      return next
    })
  }
}

/** The public name of an operation (the policy's own respawn is a restart). */
const userKind = (kind: OperationKind): 'start' | 'restart' | 'stop' =>
  kind === 'respawn' ? 'restart' : kind
