import type { ThresholdAlertOf, ThresholdResolvedOf } from '@warden/utils'
import type { HostResource, HostSubject } from './alerts/resources.js'
import type { CpuData } from './collectors/cpu.js'
import type { DisksData } from './collectors/disks.js'
import type { GpuData } from './collectors/gpu.js'
import type { MemoryData } from './collectors/memory.js'
import type { SystemdData } from './collectors/systemd.js'
import type { TemperatureData } from './collectors/temperature.js'
import type {
  CollectorFailedError,
  CollectorName,
  CollectorTimeoutError,
  CollectorUnavailableError,
  CommandBusyError,
  CommandFailedError,
  CommandTimeoutError,
  ParseError,
} from './errors.js'

/** Every error a collector can report. */
export type CollectorError =
  | CollectorTimeoutError
  | CollectorUnavailableError
  | CollectorFailedError
  | ParseError
  | CommandTimeoutError
  | CommandBusyError
  | CommandFailedError

export interface CollectorOk<T> {
  readonly ok: true
  readonly data: T
  /** How long the collector took, ms. */
  readonly durationMs: number
  /** ms since epoch when the tick asked the collector. */
  readonly at: number
}

export interface CollectorFailure {
  readonly ok: false
  readonly error: CollectorError
  readonly durationMs: number
  readonly at: number
  /** ms since epoch of this collector's last good reading (its age: `at − lastOkAt`); null if none yet. Its data is never served. */
  readonly lastOkAt: number | null
}

/** What one collector reported in one tick. */
export type CollectorResult<T> = CollectorOk<T> | CollectorFailure

/** One tick: a result per enabled collector (a disabled one has no key). */
export interface HostSample {
  /** ms since epoch when the tick began. */
  readonly at: number
  /** Wall time of the whole tick, ms. */
  readonly durationMs: number
  /** Timer ticks skipped since the previous tick because a tick was still running. */
  readonly skipped: number
  readonly cpu?: CollectorResult<CpuData>
  readonly memory?: CollectorResult<MemoryData>
  readonly disks?: CollectorResult<DisksData>
  readonly temperature?: CollectorResult<TemperatureData>
  readonly gpu?: CollectorResult<GpuData>
  readonly systemd?: CollectorResult<SystemdData>
}

export interface CollectorErrorEvent {
  readonly collector: CollectorName
  readonly error: CollectorError
  /** The tick's `at`. */
  readonly at: number
}

/**
 * Payload of `threshold:warning` and `threshold:error`: the monitor's `ThresholdAlert` with
 * `subject` (`'host'`, or `disk:<mount point>` for `diskUsedPercent`) instead of `agentId`;
 * `restart` is always false (the host restarts nothing).
 */
export type HostThresholdAlert = ThresholdAlertOf<HostResource, 'subject', HostSubject>

/** Payload of `threshold:resolved` (`reason`: `recovered`, or `cleared` by `setThreshold`). */
export type HostThresholdResolved = ThresholdResolvedOf<HostResource, 'subject', HostSubject>

/** Every event of `HostMonitor`, with its payload. No event is named `error`. */
export interface HostEvents {
  sample: [sample: HostSample]
  'collector-error': [event: CollectorErrorEvent]
  'threshold:warning': [alert: HostThresholdAlert]
  'threshold:error': [alert: HostThresholdAlert]
  'threshold:resolved': [resolved: HostThresholdResolved]
}
