import type { ResourceDataPoint } from '@warden/store'
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
