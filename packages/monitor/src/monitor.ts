import type { PidSource, PidSourceEntry as RegistryEntry } from '@warden/core'

import type { AggregateResult, AppendEntry, ResourceDataPoint } from '@warden/store'
import { emitSafely, InvalidOptionError, once, SerialQueue, Ticker } from '@warden/utils'
import { EventEmitter } from 'eventemitter3'
import { type OpenAlert, ThresholdEvaluator } from './alerts/evaluator.js'
import type { ResourceThreshold, ThresholdAlert, ThresholdEvent } from './alerts/types.js'
import { validateThreshold } from './alerts/validate.js'
import { type TickTime, Timeline } from './clock/timeline.js'
import {
  ClockError,
  DuplicateAgentError,
  RestartFailedError,
  SampleError,
  StoreWriteError,
  SupervisorRequiredError,
} from './errors.js'
import type {
  AgentSample,
  AgentSnapshot,
  CollectErrorEvent,
  MonitorEvents,
  MonitorSnapshot,
  PollReport,
} from './events.js'
import type { HistoryView, MonitorStore, ResourceMonitorOptions, RestartTarget } from './options.js'
import {
  type AggregateWindow,
  checkAggregateWindow,
  type HistoryWindow,
  readWindow,
} from './queries/window.js'
import { createSampler, type SamplerBackend } from './sampler/create-sampler.js'
import type { SampleOutcome, Sampler, SampleTarget } from './sampler/types.js'
import { type Agent, AgentTable } from './tick/agents.js'
import { handOff } from './tick/handoff.js'
import { Slices } from './tick/slices.js'
import { validateOptions } from './validate-options.js'

/**
 * Polls every running agent of a registry each `intervalMs`, records one point per agent per
 * tick (store or in-memory history) and raises sustained-threshold alerts.
 */
export class ResourceMonitor extends EventEmitter<MonitorEvents> {
  readonly intervalMs: number
  readonly includeChildren: boolean
  readonly backend: SamplerBackend

  readonly #registry: PidSource
  readonly #store: MonitorStore | undefined
  readonly #supervisor: RestartTarget | undefined
  readonly #timeline: Timeline
  readonly #injectedSampler: Sampler | undefined
  #sampler: Sampler | undefined
  readonly #defaultThreshold: ResourceThreshold | undefined
  /** Per-agent overrides; null disables the default for that agent. */
  readonly #thresholds = new Map<string, ResourceThreshold | null>()
  readonly #evaluator: ThresholdEvaluator
  readonly #agents: AgentTable
  readonly #restarts = new Set<Promise<void>>()
  /** The tick's own work runs in these, so a tick never blocks the event loop for long. */
  readonly #slices = new Slices()
  /** Ticks queued or running: they never overlap. */
  readonly #ticks = new SerialQueue()
  /** The interval; `stopped` is set by stop(), cleared by start(): a tick that ends while stopped releases what it holds. */
  readonly #ticker: Ticker
  #skipped = 0
  /** The time of the tick running, if any: its events carry it. */
  #tick: TickTime | undefined

  constructor(options: ResourceMonitorOptions) {
    super()
    validateOptions(options)
    this.intervalMs = options.intervalMs ?? 60_000
    this.#ticker = new Ticker(this.intervalMs, () => this.#onTimer())
    this.includeChildren = options.includeChildren ?? false
    this.backend = options.backend ?? 'auto'
    this.#registry = options.registry
    this.#store = options.store
    this.#agents = new AgentTable(options.historySize)
    this.#supervisor = options.supervisor
    this.#timeline = timelineOf(options.clock)
    this.#injectedSampler = options.sampler
    this.#defaultThreshold = options.defaultThreshold && validateThreshold(options.defaultThreshold)
    // Alerts raised by a tick carry its time, so `since` is the timestamp of a point in the history.
    this.#evaluator = new ThresholdEvaluator({
      now: () => this.#tick?.at ?? this.#timeline.now(),
      monotonic: () => this.#tick?.span ?? this.#timeline.spanNow(),
    })
  }

  /** True between `start()` and `stop()`. */
  get running(): boolean {
    return this.#ticker.running
  }

  /** Starts polling: one tick now, then one every `intervalMs`. Idempotent; the timer is unref'd. */
  start(): this {
    this.#ticker.start()
    return this
  }

  /**
   * Stops polling, waits for every tick queued or running (also those queued while it waits) and
   * the restarts they requested, then closes the sampler it created.
   */
  async stop(): Promise<void> {
    this.#ticker.stop()
    while (this.#ticks.size > 0 || this.#restarts.size > 0) {
      await this.#ticks.idle()
      await Promise.all(this.#restarts)
    }
    // start() may have been called while we waited.
    if (this.#ticker.stopped) this.#closeSampler()
  }

  /**
   * Runs one tick after those queued (never overlapping them) and resolves with its report.
   * After stop(), the sampler it opens is closed when the last queued tick ends.
   */
  collectOnce(): Promise<PollReport> {
    return this.#enqueue()
  }

  /**
   * Resolves with the report of the next `poll` event. Rejects with WaitTimeoutError after
   * `timeoutMs`, with `signal.reason` when `signal` aborts, and with InvalidOptionError for an
   * unknown key or a bad value.
   */
  waitForPoll(opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<PollReport> {
    if (typeof opts !== 'object' || opts === null) {
      return Promise.reject(
        new InvalidOptionError({ option: 'waitForPoll options', expected: 'an object', value: opts }),
      )
    }
    for (const key of Object.keys(opts)) {
      if (key !== 'timeoutMs' && key !== 'signal') {
        const value = (opts as Record<string, unknown>)[key]
        return Promise.reject(
          new InvalidOptionError({
            option: key,
            value,
            unknownIn: 'the waitForPoll options',
            known: ['timeoutMs', 'signal'],
          }),
        )
      }
    }
    return once<PollReport>(this, 'poll', {
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
      waitingFor: 'the next poll',
    })
  }

  /**
   * Sets the threshold of one agent (`undefined`: back to `defaultThreshold`; `null`: none).
   * A change ends the agent's open episodes with reason `cleared`.
   */
  setThreshold(id: string, threshold: ResourceThreshold | null | undefined): void {
    const next = threshold == null ? threshold : validateThreshold(threshold, id)
    if (next?.action === 'restart' && this.#supervisor === undefined)
      throw new SupervisorRequiredError({ agentId: id })
    if (next === undefined) this.#thresholds.delete(id)
    else this.#thresholds.set(id, next)
    this.#emitAll(this.#evaluator.end(id, 'cleared'))
  }

  /** The threshold in force for `id`: its own, else `defaultThreshold`, else undefined. */
  getThreshold(id: string): ResourceThreshold | undefined {
    const own = this.#thresholds.get(id)
    return own === undefined ? this.#defaultThreshold : (own ?? undefined)
  }

  /**
   * The last point sampled for `id`, unless another process runs now than the one it came from:
   * right after a restart the old process's point is not shown as the new one's (undefined until
   * the next tick samples it); with no process running the last one's point stays. `latestSample()`
   * says which process a point came from.
   */
  latest(id: string): ResourceDataPoint | undefined {
    const entry = this.#entry(id)
    // Not listed any more: the agent is forgotten at the next tick, its point stays until then.
    return (entry === undefined ? this.latestSample(id) : this.#currentSample(entry))?.point
  }

  /** The last point sampled for `id` with the pid and start ticks of the process it came from. */
  latestSample(id: string): AgentSample | undefined {
    const agent = this.#agents.get(id)
    if (agent?.latest === undefined || agent.latestFrom === undefined) return undefined
    return { point: agent.latest, pid: agent.latestFrom.pid, startTicks: agent.latestFrom.startTicks }
  }

  /** The open alert episodes of `id`, or of every agent: `error` once fired, `warning` before. */
  openAlerts(id?: string): OpenAlert[] {
    return this.#evaluator.openAlerts(id)
  }

  /**
   * The state of everything in one call: each agent the registry lists, with its status, pid,
   * uptime, restarts and last exit (from an `AgentRegistry`; null from a source without them),
   * the latest point of its current process, and its open alerts.
   */
  snapshot(): MonitorSnapshot {
    const at = this.#timeline.now()
    const agents: AgentSnapshot[] = []
    const seen = new Set<string>()
    for (const entry of this.#registry.list()) {
      if (seen.has(entry.id)) continue
      seen.add(entry.id)
      const startTime = entry.pid === null ? null : (entry.startTime ?? null)
      agents.push({
        id: entry.id,
        status: entry.status,
        pid: entry.pid,
        startTicks: entry.startTicks,
        startTime,
        uptimeMs: startTime === null ? null : Math.max(0, at - startTime),
        restartCount: entry.restartCount ?? null,
        lastExit: entry.lastExit ?? null,
        latest: this.#currentSample(entry) ?? null,
        alerts: this.#evaluator.openAlerts(entry.id),
      })
    }
    return { at, agents }
  }

  #entry(id: string): RegistryEntry | undefined {
    // O(1) with an AgentRegistry: a server asking latest() of every agent must not scan the list each time.
    if (this.#registry.get !== undefined) return this.#registry.get(id)
    for (const entry of this.#registry.list()) if (entry.id === id) return entry
    return undefined
  }

  /**
   * The agent's last sample, unless another process than the one it came from runs now (with no
   * process running, the last one's point stays the agent's latest).
   */
  #currentSample(entry: RegistryEntry): AgentSample | undefined {
    const sample = this.latestSample(entry.id)
    if (sample === undefined || entry.pid === null) return sample
    if (entry.pid !== sample.pid) return undefined
    if (entry.startTicks !== null && sample.startTicks !== null && entry.startTicks !== sample.startTicks) {
      return undefined
    }
    return sample
  }

  /** Points of `id` in an inclusive time range or the last `durationMs`, oldest first. */
  async getResourceHistory(id: string, window: HistoryWindow = {}): Promise<ResourceDataPoint[]> {
    const history = await this.#history(id)
    return history === undefined ? [] : readWindow(history, window, this.#timeline.now())
  }

  /** Buckets of `intervalMs` (avg/min/max per gauge, rate per counter) over a range of `id`'s history. */
  async getResourceHistoryAggregated(id: string, window: AggregateWindow): Promise<AggregateResult> {
    checkAggregateWindow(window)
    const history = await this.#history(id)
    if (history === undefined) {
      return { intervalMs: window.intervalMs, tier: 'raw', coveredSince: null, buckets: [] }
    }
    return history.aggregate({ since: window.since, until: window.until, intervalMs: window.intervalMs })
  }

  async #history(id: string): Promise<HistoryView | undefined> {
    if (this.#store === undefined) return this.#agents.get(id)?.history
    return (await this.#store.get(id))?.resourceUsage
  }

  #onTimer(): void {
    if (this.#ticks.size > 0) {
      this.#skipped++
      return
    }
    this.#enqueue().catch((error: unknown) =>
      this.#reportError(undefined, error instanceof ClockError ? error : new SampleError({ cause: error })),
    )
  }

  #enqueue(): Promise<PollReport> {
    // With nothing queued the tick starts now, as start() promises; else after the last one queued.
    return this.#ticks
      .run(() => this.#collect())
      .finally(() => {
        if (this.#ticks.size === 0 && this.#ticker.stopped) this.#closeSampler()
      })
  }

  /** Releases the cached fds of the sampler this monitor created; an injected one is the caller's. */
  #closeSampler(): void {
    if (this.#injectedSampler === undefined) this.#sampler?.close()
    this.#sampler = undefined
  }

  async #collect(): Promise<PollReport> {
    const started = performance.now()
    // Throws ClockError: the tick is skipped and later ticks are unaffected.
    const tick = this.#timeline.tick()
    if (tick.steppedBack !== undefined) this.#reportError(undefined, tick.steppedBack)
    this.#tick = tick
    try {
      return await this.#collectAt(tick.at, started)
    } finally {
      this.#tick = undefined
    }
  }

  async #collectAt(at: number, started: number): Promise<PollReport> {
    const slices = this.#slices
    slices.begin()
    const targets = this.#agents.list(this.#registry, (id) =>
      this.#reportError(id, new DuplicateAgentError({ agentId: id })),
    )

    const outcomes = await this.#samplePass(targets, at)
    // After the pass, so the sampler starts now, as start() promises, and these events get slices too.
    const targetsLeft = await this.#forget()

    const entries: AppendEntry[] = []
    // After a failed pass every target is already counted and reported.
    const counts =
      outcomes === undefined
        ? { sampled: 0, gone: 0, errors: targets.length, writeErrors: 0 }
        : await this.#recordAll(targets, outcomes, entries)
    let { writeErrors } = counts
    if (this.#store !== undefined) {
      if (slices.due()) await slices.yield()
      writeErrors += await handOff(this.#store, entries, slices, (id, cause) =>
        this.#reportError(id, new StoreWriteError({ agentId: id, cause })),
      )
    }
    if (targetsLeft) {
      this.#sampler?.prune?.(new Set(targets.map((t) => t.id)))
      this.#agents.pruned()
    }

    const skipped = this.#skipped
    this.#skipped = 0
    const report: PollReport = {
      at,
      agents: targets.length,
      sampled: counts.sampled,
      gone: counts.gone,
      errors: counts.errors,
      writeErrors,
      skipped,
      durationMs: performance.now() - started,
    }
    emitSafely(this, 'poll', report)
    return report
  }

  /**
   * Classifies each target's outcome — recorded, gone, or an error (reported) — in slices, and
   * queues the recorded points in `entries` for the store's hand-off.
   */
  async #recordAll(
    targets: readonly Agent[],
    outcomes: ReadonlyMap<string, SampleOutcome>,
    entries: AppendEntry[],
  ): Promise<{ sampled: number; gone: number; errors: number; writeErrors: number }> {
    const slices = this.#slices
    let errors = 0
    let sampled = 0
    let gone = 0
    let writeErrors = 0
    // Indexed: a for-of with an await inside would allocate an iterator result per agent.
    for (let i = 0; i < targets.length; i++) {
      // The pass's last slice may have just run: the first check usually yields.
      if (slices.due()) await slices.yield()
      const target = targets[i]!
      const outcome = outcomes.get(target.id)
      if (outcome === undefined) {
        errors++
        const cause = new Error('the sampler returned no outcome for this agent')
        this.#reportError(target.id, new SampleError({ agentId: target.id, pid: target.pid, cause }))
      } else if (outcome.kind === 'gone') {
        gone++
        this.#gone(target)
      } else if (outcome.kind === 'error') {
        errors++
        this.#reportError(
          target.id,
          outcome.error instanceof SampleError
            ? outcome.error
            : new SampleError({ agentId: target.id, pid: target.pid, cause: outcome.error }),
        )
      } else {
        sampled++
        if (!this.#record(target, outcome.point, outcome.startTicks, entries)) writeErrors++
      }
    }
    return { sampled, gone, errors, writeErrors }
  }

  /** The sampler pass; undefined (reported) when it failed as a whole. */
  async #samplePass(
    targets: readonly SampleTarget[],
    at: number,
  ): Promise<Map<string, SampleOutcome> | undefined> {
    try {
      this.#sampler ??= this.#injectedSampler ?? createSampler(this.backend)
      return await this.#sampler.sampleAll(targets, { includeChildren: this.includeChildren, now: at })
    } catch (error) {
      this.#reportError(undefined, new SampleError({ cause: error }))
      return undefined
    }
  }

  /**
   * Ends the episodes of agents no longer sampled (`gone`) and forgets the agents that left the
   * registry; stopped ones keep their last point and history. True when some agent stopped being
   * sampled since the sampler was last pruned.
   */
  async #forget(): Promise<boolean> {
    const slices = this.#slices
    // Found by synchronous loops: iterating in this async function would allocate per agent.
    const { stopped, removed, targetsLeft } = this.#agents.sweep()
    for (let i = 0; i < stopped.length; i++) {
      if (slices.due()) await slices.yield()
      this.#gone(stopped[i]!)
    }
    const orphans = this.#episodesNotSampled()
    for (let i = 0; i < orphans.length; i++) {
      if (slices.due()) await slices.yield()
      this.#emitAll(this.#evaluator.end(orphans[i]!, 'gone'))
    }
    for (let i = 0; i < removed.length; i++) this.#agents.delete(removed[i]!)
    return targetsLeft
  }

  /** Agents with open episodes that this tick does not sample. */
  #episodesNotSampled(): string[] {
    const ids: string[] = []
    for (const id of this.#evaluator.agents()) {
      const agent = this.#agents.get(id)
      if (agent === undefined || !this.#agents.isTarget(agent)) ids.push(id)
    }
    return ids
  }

  /**
   * Keeps and evaluates one point, and queues it for the store's hand-off at the end of the tick.
   * False when the in-memory history refused it.
   */
  #record(
    agent: Agent,
    point: ResourceDataPoint,
    startTicks: number | null,
    entries: AppendEntry[],
  ): boolean {
    const id = agent.id
    const ticks = startTicks ?? agent.startTicks ?? null
    const previous = agent.process
    // Allocates only when the process changed, not on every tick of every agent.
    if (previous === undefined || previous.pid !== agent.pid || previous.startTicks !== ticks) {
      // A new process for the same agent (restart between ticks) does not inherit the old one's episodes.
      if (previous !== undefined) this.#emitAll(this.#evaluator.end(id, 'gone'))
      agent.process = { pid: agent.pid, startTicks: ticks }
    }
    agent.latest = point
    agent.latestFrom = agent.process
    let kept = true
    if (this.#store !== undefined) entries.push({ id, point })
    else {
      try {
        this.#agents.historyOf(agent).add(point)
      } catch (cause) {
        this.#reportError(id, new StoreWriteError({ agentId: id, cause }))
        kept = false
      }
    }
    // Episode state is updated (and restarts requested) before any listener runs.
    const events = this.#evaluator.evaluate(id, this.getThreshold(id), point)
    emitSafely(this, 'sample', { agentId: id, point })
    this.#emitAll(events)
    return kept
  }

  #gone(agent: Agent): void {
    agent.process = undefined
    this.#emitAll(this.#evaluator.end(agent.id, 'gone'))
  }

  /** Requests the restarts the events ask for, then emits them: a listener can never cancel a restart. */
  #emitAll(events: readonly ThresholdEvent[]): void {
    for (const event of events) if (event.level === 'error' && event.restart) this.#restart(event)
    for (const event of events) {
      if (event.level === 'resolved') emitSafely(this, 'threshold:resolved', event)
      else if (event.level === 'warning') emitSafely(this, 'threshold:warning', event)
      else emitSafely(this, 'threshold:error', event)
    }
  }

  #restart(alert: ThresholdAlert): void {
    const supervisor = this.#supervisor!
    const done = (async () => {
      try {
        await supervisor.restart(alert.agentId)
      } catch (cause) {
        this.#reportError(alert.agentId, new RestartFailedError({ agentId: alert.agentId, cause }))
        return
      }
      emitSafely(this, 'restart', { agentId: alert.agentId, alert })
    })().finally(() => this.#restarts.delete(done))
    this.#restarts.add(done)
  }

  #reportError(agentId: string | undefined, error: CollectErrorEvent['error']): void {
    emitSafely(this, 'collect-error', { agentId, error })
  }
}

/** The `clock` option as a timeline: a bare function is one simulated clock for labels and durations. */
function timelineOf(clock: ResourceMonitorOptions['clock']): Timeline {
  if (typeof clock === 'function') return new Timeline(clock)
  return new Timeline(clock?.now ?? Date.now, clock?.monotonic ?? (() => performance.now()))
}
