import type { InvalidAgentIdError, InvalidOptionError, WaitTimeoutError } from '@warden/utils'
import { describe, WardenError } from '@warden/utils'

export { InvalidAgentIdError, InvalidOptionError, WaitTimeoutError } from '@warden/utils'

/** `add()`/`adopt()` with an id that is already registered. */
export class AgentExistsError extends WardenError {
  readonly code = 'ERR_CORE_AGENT_EXISTS' as const
  readonly id: string
  constructor(opts: { id: string }) {
    super(`Agent "${opts.id}" already exists`)
    this.id = opts.id
  }
}

/** An operation named an id that is not registered. */
export class AgentNotFoundError extends WardenError {
  readonly code = 'ERR_CORE_AGENT_NOT_FOUND' as const
  readonly id: string
  constructor(opts: { id: string }) {
    super(`Agent "${opts.id}" does not exist`)
    this.id = opts.id
  }
}

/** `start()`/`restart()` of an adopted agent that was given no command. */
export class NotStartableError extends WardenError {
  readonly code = 'ERR_CORE_NOT_STARTABLE' as const
  readonly id: string
  constructor(opts: { id: string }) {
    super(`Agent "${opts.id}" was adopted without a command, so it cannot be started`)
    this.id = opts.id
  }
}

/** The process could not be spawned (ENOENT, EACCES, bad cwd...). Recorded as `lastError`, never thrown. */
export class SpawnError extends WardenError {
  readonly code = 'ERR_CORE_SPAWN' as const
  readonly id: string
  readonly command: string
  /** The OS error code (ENOENT, EACCES, ENOTDIR...) when there is one. */
  readonly syscallCode: string | undefined
  /** What probably went wrong, when it can be guessed (a command line given as `command`). */
  readonly hint: string | undefined
  constructor(opts: { id: string; command: string; reason: string; cause?: unknown }) {
    const cause = opts.cause as { code?: unknown; errno?: unknown } | undefined
    // A CgroupError cause carries its OS code as `errno` (its `code` is Warden's).
    const c = opts.cause instanceof WardenError ? cause?.errno : cause?.code
    const syscallCode = typeof c === 'string' ? c : undefined
    const hint = syscallCode === 'ENOENT' && /\s/.test(opts.command) ? spaceHint(opts.command) : undefined
    super(`Cannot spawn agent "${opts.id}" (${opts.command}): ${opts.reason}${hint ? ` (${hint})` : ''}`, {
      cause: opts.cause,
    })
    this.id = opts.id
    this.command = opts.command
    this.syscallCode = syscallCode
    this.hint = hint
  }
}

function spaceHint(command: string): string {
  const [program = '', ...args] = command.trim().split(/\s+/)
  return `there is no shell: \`command\` names the executable only; put the arguments in \`args\`, e.g. command: ${JSON.stringify(program)}, args: ${JSON.stringify(args)}`
}

/** `adopt()` of a pid that does not name a live process. */
export class ProcessNotFoundError extends WardenError {
  readonly code = 'ERR_CORE_PROCESS_NOT_FOUND' as const
  readonly id: string
  readonly pid: number
  constructor(opts: { id: string; pid: number }) {
    super(`Cannot adopt agent "${opts.id}": no live process with pid ${opts.pid}`)
    this.id = opts.id
    this.pid = opts.pid
  }
}

/**
 * Processes of the agent (its tree, group, session or environment cookie) were still alive after
 * SIGKILL and the kill deadline (stuck in D state, or not ours to signal).
 */
export class StopTimeoutError extends WardenError {
  readonly code = 'ERR_CORE_STOP_TIMEOUT' as const
  readonly id: string
  readonly survivors: readonly number[]
  constructor(opts: { id: string; survivors: readonly number[] }) {
    const shown = opts.survivors.slice(0, 20).join(', ')
    const more = opts.survivors.length > 20 ? `, ... (${opts.survivors.length - 20} more)` : ''
    super(`Agent "${opts.id}": ${opts.survivors.length} process(es) survived SIGKILL: ${shown}${more}`)
    this.id = opts.id
    this.survivors = opts.survivors
  }
}

/** Saving agent state through the store failed. Reported as `lastError` and `agent:error`, never thrown. */
export class PersistError extends WardenError {
  readonly code = 'ERR_CORE_PERSIST' as const
  readonly id: string
  constructor(opts: { id: string; cause: unknown }) {
    super(`Cannot persist state of agent "${opts.id}": ${errorMessage(opts.cause)}`, {
      cause: opts.cause,
    })
    this.id = opts.id
  }
}

/**
 * Writing or rotating a log file failed. Reported as `agent:error`; the agent keeps running.
 * `suppressed` > 0 makes it a summary: that many further failures of the same file (the last one
 * is `cause`) were counted instead of reported one by one.
 */
export class LogWriteError extends WardenError {
  readonly code = 'ERR_CORE_LOG_WRITE' as const
  readonly id: string
  readonly path: string
  readonly suppressed: number
  constructor(opts: { id: string; path: string; cause: unknown; suppressed?: number }) {
    const suppressed = opts.suppressed ?? 0
    const summary = suppressed > 0 ? ` (${suppressed} more failure(s) since the last report)` : ''
    super(`Cannot write log ${opts.path} of agent "${opts.id}": ${errorMessage(opts.cause)}${summary}`, {
      cause: opts.cause,
    })
    this.id = opts.id
    this.path = opts.path
    this.suppressed = suppressed
  }
}

/**
 * The log relay (the supervisor's process writing its agents' log files) died on its own while the
 * agent had streams open in it: the agent's output is lost until its next start. Reported as
 * `agent:error` to each such agent; `exitCode` and `signal` are null when the relay was not
 * started by this supervisor (restore() attached to it).
 */
export class LogRelayError extends WardenError {
  readonly code = 'ERR_CORE_LOG_RELAY' as const
  readonly id: string
  readonly pid: number
  readonly exitCode: number | null
  readonly signal: string | null
  constructor(opts: { id: string; pid: number; exitCode: number | null; signal: string | null }) {
    super(
      `The log relay (pid ${opts.pid}) died (${opts.signal ?? (opts.exitCode === null ? 'how is unknown' : `exit code ${opts.exitCode}`)}) with streams of agent "${opts.id}" open: its output is lost until its next start`,
    )
    this.id = opts.id
    this.pid = opts.pid
    this.exitCode = opts.exitCode
    this.signal = opts.signal
  }
}

/** The supervisor was shut down: no more add/start/restart/startAll/adopt, nothing spawned again. */
export class SupervisorClosedError extends WardenError {
  readonly code = 'ERR_CORE_CLOSED' as const
  constructor() {
    super('The supervisor is shut down')
  }
}

/** What a lifecycle call asked for. */
export type LifecycleOperation = 'start' | 'restart' | 'stop'

/**
 * A start/restart/stop call was overtaken by a later call asking for the opposite state (or by
 * remove()) before it was fulfilled: the later call decides the agent's state.
 */
export class SupersededError extends WardenError {
  readonly code = 'ERR_CORE_SUPERSEDED' as const
  readonly id: string
  readonly operation: LifecycleOperation
  readonly by: LifecycleOperation | 'remove'
  constructor(opts: { id: string; operation: LifecycleOperation; by: LifecycleOperation | 'remove' }) {
    super(
      `Agent "${opts.id}": ${opts.operation}() was superseded by a later ${opts.by}() before it was fulfilled`,
    )
    this.id = opts.id
    this.operation = opts.operation
    this.by = opts.by
  }
}

/** An agent's `user` or `group` has no entry in /etc/passwd or /etc/group. */
export class UnknownUserError extends WardenError {
  readonly code = 'ERR_CORE_UNKNOWN_USER' as const
  readonly id: string
  readonly kind: 'user' | 'group'
  /** The name that was not found (`name` is the error class's). */
  readonly account: string
  constructor(opts: { id: string; kind: 'user' | 'group'; account: string }) {
    const file = opts.kind === 'user' ? '/etc/passwd' : '/etc/group'
    super(`Agent "${opts.id}": unknown ${opts.kind} "${opts.account}" (not in ${file})`)
    this.id = opts.id
    this.kind = opts.kind
    this.account = opts.account
  }
}

/** An agent asks for another uid or gid, and the supervisor is not root (only root can switch). */
export class UserSwitchDeniedError extends WardenError {
  readonly code = 'ERR_CORE_USER_SWITCH_DENIED' as const
  readonly id: string
  readonly uid: number
  readonly gid: number
  constructor(opts: { id: string; uid: number; gid: number; supervisorUid: number }) {
    super(
      `Agent "${opts.id}" asks to run as uid ${opts.uid} gid ${opts.gid}, but the supervisor runs as uid ${opts.supervisorUid}: only root can run agents as another user`,
    )
    this.id = opts.id
    this.uid = opts.uid
    this.gid = opts.gid
  }
}

/**
 * An agent's saved state cannot be restored: a field is missing or malformed (a hand-edited or
 * stale record), or its spec no longer validates (`cause`: the InvalidOptionError or
 * UnknownUserError). `restore()` reports it and does not run anything from that record.
 */
export class InvalidRecordError extends WardenError {
  readonly code = 'ERR_CORE_INVALID_RECORD' as const
  readonly id: string
  /** The field of the record, e.g. `run.cookie` or `spec.stopTimeoutMs`. */
  readonly field: string
  constructor(
    opts:
      | { id: string; field: string; expected: string; value: unknown }
      | { id: string; field: string; cause: WardenError },
  ) {
    super(
      `Saved state of agent "${opts.id}" cannot be restored: ${
        'cause' in opts
          ? `\`${opts.field}\`: ${opts.cause.message}`
          : `expected \`${opts.field}\` to be ${opts.expected}, got ${describe(opts.value)}`
      }`,
      'cause' in opts ? { cause: opts.cause } : undefined,
    )
    this.id = opts.id
    this.field = opts.field
  }
}

/** Why adopt() refused a process: signalling it could take down the host or the supervisor itself. */
export type AdoptRefusal = 'init' | 'kernel-thread' | 'self' | 'ancestor' | 'same-group' | 'same-session'

const REFUSAL_TEXT: Record<AdoptRefusal, string> = {
  init: 'it is init (pid 1)',
  'kernel-thread': 'it is a kernel thread',
  self: 'it is the supervisor itself',
  ancestor: "it is an ancestor of the supervisor's process",
  'same-group': "it is in the supervisor's process group",
  'same-session': "it is in the supervisor's session",
}

/** `adopt()` of a process that must never be signalled by the supervisor. */
export class AdoptRefusedError extends WardenError {
  readonly code = 'ERR_CORE_ADOPT_REFUSED' as const
  readonly id: string
  readonly pid: number
  readonly reason: AdoptRefusal
  constructor(opts: { id: string; pid: number; reason: AdoptRefusal }) {
    super(`Cannot adopt pid ${opts.pid} as agent "${opts.id}": ${REFUSAL_TEXT[opts.reason]}`)
    this.id = opts.id
    this.pid = opts.pid
    this.reason = opts.reason
  }
}

/** Why an agent could not be contained in a cgroup (see `CgroupError`). */
export type CgroupFailure =
  /** No writable cgroup v2 parent: none mounted, no parent configured, or it is read-only. */
  | 'unavailable'
  /** A limit (`memoryMax`, `cpuMax`, `pidsMax`) needs a controller the parent does not pass down. */
  | 'controller-unavailable'
  /** `agent-<id>` exists with processes Warden does not know (another supervisor's). */
  | 'busy'
  /** Creating the cgroup, writing a limit or moving the process into it failed. */
  | 'io'

/**
 * An agent's cgroup could not be made or used. With `containment: 'cgroup'` (or a limit) the spawn
 * fails with it (the `cause` of the recorded `SpawnError`); with `'auto'`, `unavailable` falls back to
 * a process group instead. `errno` is the OS code behind an `io` failure.
 */
export class CgroupError extends WardenError {
  readonly code = 'ERR_CORE_CGROUP' as const
  readonly id: string
  readonly reason: CgroupFailure
  /** The cgroup (or parent) directory concerned. */
  readonly path: string | undefined
  readonly errno: string | undefined
  constructor(opts: { id: string; reason: CgroupFailure; message: string; path?: string; cause?: unknown }) {
    super(`Agent "${opts.id}": ${opts.message}`, { cause: opts.cause })
    const c = (opts.cause as { code?: unknown } | undefined)?.code
    this.id = opts.id
    this.reason = opts.reason
    this.path = opts.path
    this.errno = typeof c === 'string' && !c.startsWith('ERR_') ? c : undefined
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Every error @warden/core throws, emits or records: narrow it with `switch (error.code)`. */
export type CoreError =
  | AdoptRefusedError
  | AgentExistsError
  | AgentNotFoundError
  | CgroupError
  | InvalidAgentIdError
  | InvalidOptionError
  | InvalidRecordError
  | LogRelayError
  | LogWriteError
  | NotStartableError
  | PersistError
  | ProcessNotFoundError
  | SpawnError
  | StopTimeoutError
  | SupersededError
  | SupervisorClosedError
  | UnknownUserError
  | UserSwitchDeniedError
  | WaitTimeoutError
