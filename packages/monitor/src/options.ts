import type { PidSource } from '@warden/core'
import type {
  AggregateOptions,
  AggregateResult,
  AppendEntry,
  AppendManyResult,
  ResourceDataPoint,
  TimeRange,
} from '@warden/store'
import type { ResourceThreshold } from './alerts/types.js'
import type { MonitorClock } from './clock/timeline.js'
import type { SamplerBackend } from './sampler/create-sampler.js'
import type { Sampler } from './sampler/types.js'

/** A read-only view of one agent's history: what `ResourceUsageHistory` from @warden/store offers. */
export interface HistoryView {
  range(window: TimeRange): ResourceDataPoint[]
  recent(durationMs: number, now?: number): ResourceDataPoint[]
  aggregate(options: AggregateOptions): AggregateResult
}

/** History reads: `get` may answer synchronously or with a promise. */
interface StoreReader {
  get(
    id: string,
  ):
    | { readonly resourceUsage: HistoryView }
    | undefined
    | Promise<{ readonly resourceUsage: HistoryView } | undefined>
}

/** A store that takes a whole tick in one call, as `FileMetadataStore` does. */
export interface BatchStore extends StoreReader {
  /**
   * Appends every entry, durable when it resolves; refused points are listed in `failed`
   * without blocking the others. Rejects only when nothing of the batch was appended.
   */
  appendMany(entries: readonly AppendEntry[]): Promise<AppendManyResult>
  /** Not used when `appendMany` is there. */
  appendResourceData?(id: string, point: ResourceDataPoint): Promise<unknown>
}

/** A store that takes one point per call: any custom store (`FileMetadataStore` also has `appendMany`). */
export interface PointStore extends StoreReader {
  /** One atomic write of one point for one agent. */
  appendResourceData(id: string, point: ResourceDataPoint): Promise<unknown>
  appendMany?: undefined
}

/**
 * What the monitor needs of a store: `get` and either `appendMany` (one call per tick) or
 * `appendResourceData` (one call per point). `FileMetadataStore` from @warden/store fits.
 */
export type MonitorStore = BatchStore | PointStore

/** What the monitor needs of a supervisor for `action: 'restart'`: `Supervisor` from @warden/core fits. */
export interface RestartTarget {
  restart(id: string): unknown
}

export interface ResourceMonitorOptions {
  /** Where the agents and their pids come from: an `AgentRegistry`, or anything with `list()`. */
  readonly registry: PidSource
  /**
   * Persists every point (one `appendMany` per tick, else one `appendResourceData` per point) and
   * answers history queries. Without it, each agent's history is kept in memory.
   * @default undefined
   */
  readonly store?: MonitorStore
  /** ms between ticks (positive integer). @default 60000 */
  readonly intervalMs?: number
  /** Sum each agent's whole process tree into its point. @default false */
  readonly includeChildren?: boolean
  /** Sampler: `procfs` (Linux), `pidusage` (portable, cpu and memory only), or `auto`. @default 'auto' */
  readonly backend?: SamplerBackend
  /** Threshold of every agent without its own `setThreshold`. @default undefined */
  readonly defaultThreshold?: ResourceThreshold
  /** Restarts agents whose threshold has `action: 'restart'`; required for that action. @default undefined */
  readonly supervisor?: RestartTarget
  /** Capacity of each in-memory history (points) when there is no `store`. @default 1440 */
  readonly historySize?: number
  /**
   * Testing hook: a ready sampler instead of `createSampler(backend)`. The caller keeps
   * ownership: `stop()` does not close it.
   * @default undefined
   */
  readonly sampler?: Sampler
  /**
   * Testing hook. `{ now, monotonic }`: the wall clock (ms since epoch) that labels points and the
   * monotonic clock (ms) that spaces them and times durations. A bare function is one simulated
   * clock for both (it then has no wall clock steps to detect).
   * @default { now: Date.now, monotonic: performance.now }
   */
  readonly clock?: (() => number) | MonitorClock
}
