import type { AggregateResult } from '@warden/store'
import { emitSafely, rethrowLater, SerialQueue, Ticker, WardenError } from '@warden/utils'
import { EventEmitter } from 'eventemitter3'
import { HostAlerts, type HostOpenAlert, type HostThresholdEvent } from './alerts/host-alerts.js'
import type { HostSubject } from './alerts/resources.js'
import { type HostThreshold, validateHostThreshold } from './alerts/threshold.js'
import type { SystemdCollector } from './collectors/systemd.js'
import { createCollectors, type Scheduled } from './create-collectors.js'
import {
  CollectorFailedError,
  type CollectorName,
  CollectorTimeoutError,
  CollectorUnavailableError,
} from './errors.js'
import type { CollectorError, CollectorResult, HostEvents, HostSample } from './events.js'
import { gpuMemoryByAgent, gpuMemoryByPid } from './gpu/agents.js'
import type { HostBucket, HostPoint } from './history/columns.js'
import type { HostAggregateWindow, HostHistory, HostHistoryWindow } from './history/host-history.js'
import type { HostMonitorOptions } from './options.js'
import type { Launcher } from './run/launcher.js'
import { EXIT_WAIT_MS, waitAtMost } from './run/wait.js'
import type { ListedUnit } from './systemd/parse.js'
import { validateOptions } from './validate-options.js'

const TIMED_OUT = Symbol('timed out')

/**
 * Runs every enabled host collector each `intervalMs`. Each collector has its own timeout, so one
 * that is stuck never delays or fails another; ticks never overlap.
 */
export class HostMonitor extends EventEmitter<HostEvents> {
  readonly intervalMs: number
  readonly #scheduled: readonly Scheduled[]
  readonly #systemd: SystemdCollector | undefined
  readonly #launcher: Launcher
  readonly #evaluate: ((sample: HostSample) => void) | undefined
  /** Where ticks are recorded, if anywhere. */
  readonly history: HostHistory | undefined
  /** collect() calls that outlived their tick's timeout: the next tick joins them instead of calling again. */
  readonly #running = new Map<CollectorName, Promise<unknown>>()
  readonly #lastOkAt = new Map<CollectorName, number>()
  /** Collectors reported unavailable: `collector-error` is emitted when they become so, not every tick. */
  readonly #unavailable = new Set<CollectorName>()
  #latest: HostSample | undefined
  #gpuByPid: ReadonlyMap<number, number> = new Map()
  /** Ticks queued or running: they never overlap. */
  readonly #ticks = new SerialQueue()
  /** The interval; `stopped` is set by stop(), cleared by start(): a tick that ends while stopped releases what it holds. */
  readonly #ticker: Ticker
  #skipped = 0
  readonly #now: () => number
  readonly #alerts: HostAlerts

  constructor(options: HostMonitorOptions = {}) {
    super()
    validateOptions(options)
    this.intervalMs = options.intervalMs ?? 10_000
    this.#ticker = new Ticker(this.intervalMs, () => this.#onTimer())
    const { scheduled, systemd, launcher } = createCollectors(options)
    this.#scheduled = scheduled
    this.#systemd = systemd
    this.#launcher = launcher
    this.#evaluate = options.evaluate
    const clock = typeof options.clock === 'function' ? { now: options.clock } : (options.clock ?? {})
    this.#now = clock.now ?? Date.now
    this.#alerts = new HostAlerts(
      options.threshold === undefined
        ? undefined
        : validateHostThreshold(options.threshold, 'threshold', () => true),
      clock,
    )
    this.history = options.history
  }

  /**
   * Replaces the host's threshold (`null`/`undefined`: none). Every open episode ends with
   * `threshold:resolved` reason `cleared`; the next tick is judged against the new lines.
   * Throws `InvalidOptionError` (option `threshold`) for a bad one.
   */
  setThreshold(threshold: HostThreshold | null | undefined): void {
    const next =
      threshold == null
        ? undefined
        : validateHostThreshold(threshold, 'threshold', (c) => this.collectors.includes(c))
    this.#emitAlerts(this.#alerts.set(next))
  }

  /** The threshold in force, if any (a frozen copy). */
  getThreshold(): HostThreshold | undefined {
    return this.#alerts.threshold
  }

  /** The open threshold episodes (of one subject: `'host'` or `disk:<mount>`), `error` once fired. */
  openAlerts(subject?: HostSubject): HostOpenAlert[] {
    return this.#alerts.openAlerts(subject)
  }

  /** True between `start()` and `stop()`. */
  get running(): boolean {
    return this.#ticker.running
  }

  /** The enabled collectors, in tick order. */
  get collectors(): readonly CollectorName[] {
    return this.#scheduled.map((s) => s.collector.name)
  }

  /** Starts ticking: one tick now, then one every `intervalMs`. Idempotent; the timer is unref'd. */
  start(): this {
    this.#ticker.start()
    return this
  }

  /**
   * Stops ticking, waits for every tick queued or running (also those queued while it waits),
   * then releases what the collectors hold: cached fds, the statfs helper, running commands.
   */
  async stop(): Promise<void> {
    this.#ticker.stop()
    await this.#ticks.idle()
    if (this.#ticker.stopped) await this.#close()
  }

  /** Runs one tick after those queued (never overlapping them) and resolves with its sample. */
  collectOnce(): Promise<HostSample> {
    return this.#enqueue()
  }

  /** The sample of the last tick, if any. */
  latest(): HostSample | undefined {
    return this.#latest
  }

  /**
   * GPU memory per pid (bytes, summed over GPUs) from the last tick; empty unless that tick's GPU
   * reading succeeded: a failed reading never serves stale values.
   */
  gpuMemoryByPid(): ReadonlyMap<number, number> {
    return this.#gpuByPid
  }

  /**
   * GPU memory per agent (bytes: its process and descendants) from the last tick; undefined when
   * that tick has no good GPU reading. See {@link gpuMemoryByAgent}.
   */
  gpuMemoryByAgent(
    agents: Iterable<{ readonly id: string; readonly pid: number | null }>,
    descendantsOf: (pid: number) => Iterable<number>,
  ): Map<string, number> | undefined {
    return this.#latest?.gpu?.ok ? gpuMemoryByAgent(this.#gpuByPid, agents, descendantsOf) : undefined
  }

  /** Every service unit systemd knows (`systemctl list-units --type=service --all`). */
  discoverServices(): Promise<ListedUnit[]> {
    if (this.#systemd === undefined) {
      return Promise.reject(
        new CollectorUnavailableError({ collector: 'systemd', reason: 'the systemd collector is off' }),
      )
    }
    return this.#systemd.discover()
  }

  /** Recorded ticks with `since ≤ timestamp ≤ until`, oldest first; `[]` without a `history`. */
  getHistory(window: HostHistoryWindow = {}): Promise<HostPoint[]> {
    return this.history?.getHistory(window) ?? Promise.resolve([])
  }

  /** Buckets of `intervalMs` over the recorded ticks (see `HostHistory`); none without a `history`. */
  getHistoryAggregated(window: HostAggregateWindow): Promise<AggregateResult<HostBucket>> {
    return (
      this.history?.getHistoryAggregated(window) ??
      Promise.resolve({ intervalMs: window.intervalMs, tier: 'raw', coveredSince: null, buckets: [] })
    )
  }

  #onTimer(): void {
    if (this.#ticks.size > 0) {
      this.#skipped++
      return
    }
    // A tick never rejects: every failure is inside its sample.
    void this.#enqueue()
  }

  #enqueue(): Promise<HostSample> {
    return this.#ticks
      .run(() => this.#tick())
      .finally(async () => {
        if (this.#ticks.size === 0 && this.#ticker.stopped) await this.#close()
      })
  }

  /** Releases every collector, then waits (bounded) for collect() calls that outlived their tick. */
  async #close(): Promise<void> {
    await Promise.all(this.#scheduled.map(({ collector }) => collector.close()))
    await waitAtMost(Promise.allSettled(this.#running.values()), EXIT_WAIT_MS)
    await this.#launcher.close()
  }

  async #tick(): Promise<HostSample> {
    const at = this.#now()
    const started = performance.now()
    const results = await Promise.all(this.#scheduled.map((s) => this.#run(s, at)))
    const skipped = this.#skipped
    this.#skipped = 0
    const sample: Record<string, unknown> = { at, durationMs: performance.now() - started, skipped }
    const errors: { collector: CollectorName; error: CollectorError }[] = []
    for (const [i, { collector }] of this.#scheduled.entries()) {
      const result = results[i]!
      sample[collector.name] = result
      if (result.ok) {
        this.#unavailable.delete(collector.name)
      } else if (!(result.error instanceof CollectorUnavailableError)) {
        this.#unavailable.delete(collector.name)
        errors.push({ collector: collector.name, error: result.error })
      } else if (!this.#unavailable.has(collector.name)) {
        this.#unavailable.add(collector.name)
        errors.push({ collector: collector.name, error: result.error })
      }
    }
    const done = sample as unknown as HostSample
    this.#latest = done
    // Not awaited: a tick never waits for (or fails by) its history; failures are the history's events.
    void this.history?.record(done)
    this.#gpuByPid = done.gpu?.ok ? gpuMemoryByPid(done.gpu.data.processes) : new Map()
    const alerts = this.#alerts.evaluate(done)
    if (this.#evaluate !== undefined) {
      try {
        this.#evaluate(done)
      } catch (error) {
        rethrowLater(error)
      }
    }
    for (const { collector, error } of errors) emitSafely(this, 'collector-error', { collector, error, at })
    emitSafely(this, 'sample', done)
    this.#emitAlerts(alerts)
    return done
  }

  #emitAlerts(events: readonly HostThresholdEvent[]): void {
    for (const event of events) {
      if (event.level === 'resolved') emitSafely(this, 'threshold:resolved', event)
      else if (event.level === 'warning') emitSafely(this, 'threshold:warning', event)
      else emitSafely(this, 'threshold:error', event)
    }
  }

  /** One collector's result within its timeout; a call still running from an earlier tick is joined, not repeated. */
  async #run({ collector, timeoutMs }: Scheduled, at: number): Promise<CollectorResult<unknown>> {
    const started = performance.now()
    const name = collector.name
    let call = this.#running.get(name)
    if (call === undefined) {
      const fresh = (async () => collector.collect())()
      call = fresh
      this.#running.set(name, fresh)
      fresh.then(
        () => this.#running.get(name) === fresh && this.#running.delete(name),
        () => this.#running.get(name) === fresh && this.#running.delete(name),
      )
    }
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs)
    })
    let outcome: { ok: true; data: unknown } | { ok: false; error: CollectorError }
    try {
      const data = await Promise.race([call, timeout])
      outcome =
        data === TIMED_OUT
          ? { ok: false, error: new CollectorTimeoutError({ collector: name, timeoutMs }) }
          : { ok: true, data }
    } catch (error) {
      outcome = { ok: false, error: asCollectorError(name, error) }
    } finally {
      clearTimeout(timer)
    }
    const durationMs = performance.now() - started
    if (outcome.ok) {
      this.#lastOkAt.set(name, at)
      return { ok: true, data: outcome.data, durationMs, at }
    }
    return { ok: false, error: outcome.error, durationMs, at, lastOkAt: this.#lastOkAt.get(name) ?? null }
  }
}

/** Errors of our own pass as they are; anything else (an fs error) is wrapped, the original as `cause`. */
function asCollectorError(collector: CollectorName, error: unknown): CollectorError {
  return error instanceof WardenError
    ? (error as CollectorError)
    : new CollectorFailedError({ collector, cause: error })
}
