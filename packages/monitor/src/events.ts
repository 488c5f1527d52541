import type { AgentInfo, AgentStatus } from '@warden/core'
import type { ResourceDataPoint } from '@warden/store'
import type { OpenAlert } from './alerts/evaluator.js'
import type { ThresholdAlert, ThresholdResolved } from './alerts/types.js'
import type {
  ClockError,
  DuplicateAgentError,
  RestartFailedError,
  SampleError,
  StoreWriteError,
} from './errors.js'

/** Summary of one tick, emitted as `poll` and returned by `collectOnce()`. */
export interface PollReport {
  /** ms since epoch when the tick began (the timestamp of its points). */
  readonly at: number
  /** Agents with status running/stopping and a pid, i.e. asked of the sampler. */
  readonly agents: number
  /** Agents that produced a point. */
  readonly sampled: number
  /** Agents whose process had exited, was a zombie or had been replaced (pid reuse). */
  readonly gone: number
  /** Agents whose sampling failed (each also emitted `collect-error`). */
  readonly errors: number
  /** Points the store failed to write (each also emitted `collect-error`). */
  readonly writeErrors: number
  /** Timer ticks skipped because this tick was still running when they were due. */
  readonly skipped: number
  /** Wall time of the tick, including the store writes, ms. */
  readonly durationMs: number
}

export interface SampleEvent {
  readonly agentId: string
  readonly point: ResourceDataPoint
}

export interface CollectErrorEvent {
  /** The agent concerned; undefined for the whole tick (`registry.list()` threw, a clock fault). */
  readonly agentId: string | undefined
  readonly error: SampleError | StoreWriteError | RestartFailedError | DuplicateAgentError | ClockError
}

export interface RestartEvent {
  readonly agentId: string
  /** The `threshold:error` that asked for the restart. */
  readonly alert: ThresholdAlert
}

/** Every event of `ResourceMonitor`, with its payload. No event is named `error`. */
export interface MonitorEvents {
  sample: [event: SampleEvent]
  poll: [report: PollReport]
  'collect-error': [event: CollectErrorEvent]
  'threshold:warning': [alert: ThresholdAlert]
  'threshold:error': [alert: ThresholdAlert]
  'threshold:resolved': [resolved: ThresholdResolved]
  /** `supervisor.restart(agentId)` resolved after an `action: 'restart'` threshold fired. */
  restart: [event: RestartEvent]
}

/** A point with the process it was sampled from. */
export interface AgentSample {
  readonly point: ResourceDataPoint
  readonly pid: number
  /** Start ticks of that process (with the pid, its identity); null where unknown. */
  readonly startTicks: number | null
}

/** One agent in `snapshot()`. */
export interface AgentSnapshot {
  readonly id: string
  readonly status: AgentStatus
  readonly pid: number | null
  readonly startTicks: number | null
  /** ms since epoch the current process started; null when none runs (or the source does not say). */
  readonly startTime: number | null
  /** ms the current process has run, at the snapshot's `at`; null when none runs. */
  readonly uptimeMs: number | null
  /** null when the registry does not count restarts (a plain PidSource). */
  readonly restartCount: number | null
  readonly lastExit: NonNullable<AgentInfo['lastExit']> | null
  /** The latest point of the current process; null until a tick sampled it. */
  readonly latest: AgentSample | null
  readonly alerts: readonly OpenAlert[]
}

/** `snapshot()`: every agent the registry lists, at `at` (ms since epoch, the monitor's clock). */
export interface MonitorSnapshot {
  readonly at: number
  readonly agents: readonly AgentSnapshot[]
}
