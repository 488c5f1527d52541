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

/** Why an episode ended. */
export type ResolveReason =
  /** The value came back to or under the line. */
  | 'recovered'
  /** The agent stopped, vanished, or its process was replaced (new pid / start time). */
  | 'gone'
  /** The threshold for this resource was removed or replaced by `setThreshold`. */
  | 'cleared'

interface AlertBase {
  readonly agentId: string
  readonly resource: ThresholdResource
  /** The line, in the resource's unit (percent of one core, bytes, descriptors, threads). */
  readonly threshold: number
  /** ms since epoch of the first sample over the line in this episode. */
  readonly since: number
  /** ms from `since` to this event, on the monotonic clock (`at - since` unless the wall clock stepped). */
  readonly exceededForMs: number
  /** The threshold's `durationMs`. */
  readonly durationMs: number
  /** ms since epoch of this event (the monitor's clock at the tick). */
  readonly at: number
}

/** Payload of `threshold:warning` and `threshold:error`. */
export interface ThresholdAlert extends AlertBase {
  readonly level: 'warning' | 'error'
  /** The sampled value, in the resource's unit. */
  readonly value: number
  /** 0 for the warning and the first error; 1, 2, ... for `repeatMs` reminders. */
  readonly repeat: number
  /** True when this error triggered `supervisor.restart(agentId)` (`action: 'restart'`). */
  readonly restart: boolean
}

/** Payload of `threshold:resolved`. */
export interface ThresholdResolved extends AlertBase {
  readonly level: 'resolved'
  /** The value that ended the episode; null when it ended without a sample (`gone`, `cleared`). */
  readonly value: number | null
  readonly reason: ResolveReason
  /** Whether `threshold:error` had fired in this episode (false: only the warning was emitted). */
  readonly fired: boolean
}

export type ThresholdEvent = ThresholdAlert | ThresholdResolved
