/**
 * Lines over a set of resources `R`: a resource is "over" when its value is strictly greater than
 * its line; resources left undefined are not watched.
 */
export type ThresholdLines<R extends string> = { readonly [P in R]?: number | undefined } & ThresholdTiming

export interface ThresholdTiming {
  /** How long a resource must stay over its line, from the first sample over it, before `threshold:error`. */
  readonly durationMs: number
  /** Repeat `threshold:error` every `repeatMs` while the episode stays firing. @default undefined (once) */
  readonly repeatMs?: number | undefined
  /** `'restart'`: the first error of an episode carries `restart: true` (the monitor restarts the agent). */
  readonly action?: 'restart' | undefined
}

/** How the evaluator reads each resource from a sample: null when the sample lacks it. */
export type ResourceReaders<R extends string, S> = { readonly [P in R]: (sample: S) => number | null }

/** Why an episode ended. */
export type ResolveReason =
  /** The value came back to or under the line. */
  | 'recovered'
  /** The subject stopped, vanished, or was replaced (an agent's new pid / start time). */
  | 'gone'
  /** The threshold was removed or replaced (`setThreshold`). */
  | 'cleared'

/** The field naming what the episode is about (`agentId` in the monitor, `subject` in the host). */
export type SubjectField<K extends string, I extends string> = { readonly [P in K]: I }

export interface AlertBase<R extends string> {
  readonly resource: R
  /** The line, in the resource's unit. */
  readonly threshold: number
  /** ms since epoch of the first sample over the line in this episode. */
  readonly since: number
  /** ms from `since` to this event, on the monotonic clock (`at - since` unless the wall clock stepped). */
  readonly exceededForMs: number
  /** The threshold's `durationMs`. */
  readonly durationMs: number
  /** ms since epoch of this event (the evaluator's clock at the sample). */
  readonly at: number
}

export interface AlertBody<R extends string> extends AlertBase<R> {
  readonly level: 'warning' | 'error'
  /** The sampled value, in the resource's unit. */
  readonly value: number
  /** 0 for the warning and the first error; 1, 2, ... for `repeatMs` reminders. */
  readonly repeat: number
  /** True on the first error of an episode whose threshold has `action: 'restart'`. */
  readonly restart: boolean
}

export interface ResolvedBody<R extends string> extends AlertBase<R> {
  readonly level: 'resolved'
  /** The value that ended the episode; null when it ended without a sample (`gone`, `cleared`). */
  readonly value: number | null
  readonly reason: ResolveReason
  /** Whether `threshold:error` had fired in this episode (false: only the warning was emitted). */
  readonly fired: boolean
}

export interface OpenAlertBody<R extends string> {
  readonly resource: R
  /** `error` once the value stayed over the line for `durationMs`; `warning` before. */
  readonly level: 'warning' | 'error'
  /** The line, in the resource's unit. */
  readonly threshold: number
  /** ms since epoch of the first sample over the line. */
  readonly since: number
  readonly durationMs: number
  /** Reminders sent so far (`repeatMs`). */
  readonly repeat: number
}

/** Payload of `threshold:warning` and `threshold:error`. */
export type ThresholdAlertOf<R extends string, K extends string, I extends string = string> = SubjectField<
  K,
  I
> &
  AlertBody<R>
/** Payload of `threshold:resolved`. */
export type ThresholdResolvedOf<R extends string, K extends string, I extends string = string> = SubjectField<
  K,
  I
> &
  ResolvedBody<R>
export type ThresholdEventOf<R extends string, K extends string, I extends string = string> =
  | ThresholdAlertOf<R, K, I>
  | ThresholdResolvedOf<R, K, I>
/** An open episode as `openAlerts()` shows it. */
export type OpenAlertOf<R extends string, K extends string, I extends string = string> = SubjectField<K, I> &
  OpenAlertBody<R>
