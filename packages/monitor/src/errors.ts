import type { InvalidOptionError, WaitTimeoutError } from '@warden/utils'
import { describe, messageOf, WardenError } from '@warden/utils'
import type { ProcParseError } from './procfs/parse-error.js'

export { InvalidOptionError, WaitTimeoutError } from '@warden/utils'

/** A `ResourceThreshold` is malformed (bad number, missing `durationMs`, unknown key, ...). */
export class InvalidThresholdError extends WardenError {
  readonly code = 'ERR_MONITOR_INVALID_THRESHOLD' as const
  /** The offending key, e.g. `cpuPercent`; `threshold` when the whole value is wrong. */
  readonly field: string
  readonly value: unknown
  /** The agent the threshold was set for; undefined for `defaultThreshold`. */
  readonly agentId: string | undefined
  constructor({
    field,
    value,
    agentId,
    message,
  }: { field: string; value: unknown; agentId?: string | undefined; message: string }) {
    super(message)
    this.field = field
    this.value = value
    this.agentId = agentId
  }
}

/** `action: 'restart'` was configured but the monitor was built without a `supervisor`. */
export class SupervisorRequiredError extends WardenError {
  readonly code = 'ERR_MONITOR_SUPERVISOR_REQUIRED' as const
  readonly agentId: string | undefined
  constructor({ agentId }: { agentId?: string | undefined } = {}) {
    super(
      `Threshold${agentId === undefined ? ' `defaultThreshold`' : ` of agent "${agentId}"`} has action 'restart' but the monitor has no \`supervisor\` option to restart it with`,
    )
    this.agentId = agentId
  }
}

/** Sampling one agent (or the whole tick, when `agentId` is undefined) failed. */
export class SampleError extends WardenError {
  readonly code = 'ERR_MONITOR_SAMPLE' as const
  readonly agentId: string | undefined
  readonly pid: number | undefined
  constructor({
    agentId,
    pid,
    cause,
  }: { agentId?: string | undefined; pid?: number | undefined; cause: unknown }) {
    super(
      agentId === undefined
        ? `Sampling failed: ${messageOf(cause)}`
        : `Sampling agent "${agentId}" (pid ${pid}) failed: ${messageOf(cause)}`,
      { cause },
    )
    this.agentId = agentId
    this.pid = pid
  }
}

/** The store refused a point (or its whole batch): the point is kept in `latest()` but not persisted. */
export class StoreWriteError extends WardenError {
  readonly code = 'ERR_MONITOR_STORE_WRITE' as const
  readonly agentId: string
  constructor({ agentId, cause }: { agentId: string; cause: unknown }) {
    super(`Writing the resource point of agent "${agentId}" to the store failed: ${messageOf(cause)}`, {
      cause,
    })
    this.agentId = agentId
  }
}

/** `supervisor.restart(agentId)` for an `action: 'restart'` threshold failed. */
export class RestartFailedError extends WardenError {
  readonly code = 'ERR_MONITOR_RESTART_FAILED' as const
  readonly agentId: string
  constructor({ agentId, cause }: { agentId: string; cause: unknown }) {
    super(`Restarting agent "${agentId}" after a threshold error failed: ${messageOf(cause)}`, { cause })
    this.agentId = agentId
  }
}

/** The registry listed one agent id more than once: the first entry is used, the others ignored. */
export class DuplicateAgentError extends WardenError {
  readonly code = 'ERR_MONITOR_DUPLICATE_AGENT' as const
  readonly agentId: string
  constructor({ agentId }: { agentId: string }) {
    super(
      `The registry lists agent "${agentId}" more than once: the first entry is used, the others are ignored`,
    )
    this.agentId = agentId
  }
}

/** Why a clock reading was not used as is. */
export type ClockFault =
  /** NaN, ±Infinity or not a number: the tick is skipped. */
  | 'not-finite'
  /** The monotonic clock read less than at the previous tick: the tick is skipped. */
  | 'went-back'
  /** The wall clock stepped back and stayed back: points continue on the monotonic timeline. */
  | 'stepped-back'

/** A clock reading the monitor could not use as is (see the clock policy in the README). */
export class ClockError extends WardenError {
  readonly code = 'ERR_MONITOR_CLOCK' as const
  readonly clock: 'wall' | 'monotonic'
  readonly reason: ClockFault
  /** The reading. */
  readonly value: unknown
  /** For `stepped-back`: how far the points' timestamps now run ahead of the wall clock, ms. */
  readonly aheadMs: number | undefined
  constructor({
    clock,
    reason,
    value,
    aheadMs,
  }: { clock: 'wall' | 'monotonic'; reason: ClockFault; value: unknown; aheadMs?: number | undefined }) {
    super(
      reason === 'stepped-back'
        ? `The wall clock stepped back (it read ${describe(value)}): timestamps continue on the monotonic timeline, ${aheadMs} ms ahead of the wall clock`
        : reason === 'went-back'
          ? `The monotonic clock went back (it read ${describe(value)}): the tick is skipped`
          : `The ${clock} clock read ${describe(value)}, not a finite number of ms: the tick is skipped`,
    )
    this.clock = clock
    this.reason = reason
    this.value = value
    this.aheadMs = aheadMs
  }
}

/** Every error @warden/monitor throws, emits or records: narrow it with `switch (error.code)`. */
export type MonitorError =
  | ClockError
  | DuplicateAgentError
  | InvalidOptionError
  | InvalidThresholdError
  | ProcParseError
  | RestartFailedError
  | SampleError
  | StoreWriteError
  | SupervisorRequiredError
  | WaitTimeoutError
