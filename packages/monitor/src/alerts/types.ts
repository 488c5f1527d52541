import type { OpenAlertOf, ThresholdAlertOf, ThresholdEventOf, ThresholdResolvedOf } from '@warden/utils'

export type { ResolveReason } from '@warden/utils'

/** The resources a threshold can watch, named as in `ResourceThreshold`. */
export type ThresholdResource = 'cpuPercent' | 'memoryBytes' | 'openFiles' | 'threads'

export const THRESHOLD_RESOURCES: readonly ThresholdResource[] = [
  'cpuPercent',
  'memoryBytes',
  'openFiles',
  'threads',
]

/**
 * Lines an agent must stay under. A resource is "over" when its value is strictly greater
 * than the line; resources left undefined are not watched.
 */
export interface ResourceThreshold {
  /** Percent of ONE core (a busy single-threaded process is ~100). */
  readonly cpuPercent?: number
  /** Resident set size in bytes (the whole tree's when `includeChildren` is on). */
  readonly memoryBytes?: number
  /** Open file descriptors. */
  readonly openFiles?: number
  /** Threads (summed over the tree when `includeChildren` is on). */
  readonly threads?: number
  /** How long a resource must stay over its line, from the first sample over it, before `threshold:error`. */
  readonly durationMs: number
  /** Repeat `threshold:error` every `repeatMs` while the episode stays firing. @default undefined (once) */
  readonly repeatMs?: number
  /** `'restart'`: call `supervisor.restart(agentId)` once per episode when it fires. */
  readonly action?: 'restart'
}

/**
 * Payload of `threshold:warning` and `threshold:error` (`agentId`, `resource`, `level`, `value`,
 * `threshold`, `since`, `exceededForMs`, `durationMs`, `at`, `repeat`, `restart`). Values and lines
 * are in the resource's unit: percent of one core, bytes, descriptors, threads. `restart` is true
 * when this error triggered `supervisor.restart(agentId)` (`action: 'restart'`).
 */
export type ThresholdAlert = ThresholdAlertOf<ThresholdResource, 'agentId'>

/** Payload of `threshold:resolved`: the alert's fields without `repeat`/`restart`, plus `reason` and `fired`. */
export type ThresholdResolved = ThresholdResolvedOf<ThresholdResource, 'agentId'>

export type ThresholdEvent = ThresholdEventOf<ThresholdResource, 'agentId'>

/** An open episode as `openAlerts()` shows it. */
export type OpenAlert = OpenAlertOf<ThresholdResource, 'agentId'>
