import { describe } from './describe.js'

/**
 * Base class of every error a Warden package throws, emits or records. Each subclass has a literal
 * `code` (`ERR_STORE_LOCKED`, `ERR_CORE_SPAWN`, ...): catch `WardenError` and switch on `code`;
 * every code is listed in its package's README.
 */
export abstract class WardenError extends Error {
  abstract readonly code: `ERR_${string}`

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}

export type InvalidOptionInit = { option: string; value: unknown } & (
  | { expected: string }
  | { unknownIn: string; known: readonly string[] }
  | { message: string }
)

/**
 * An option, argument or spec field has the wrong type or range, or an options object has a key
 * nothing reads (a typo must not pass silently). `option` is its path (`history.maxSize`).
 */
export class InvalidOptionError extends WardenError {
  readonly code = 'ERR_WARDEN_INVALID_OPTION' as const
  readonly option: string
  readonly value: unknown

  constructor(init: InvalidOptionInit) {
    super(invalidOptionMessage(init))
    this.option = init.option
    this.value = init.value
  }
}

function invalidOptionMessage(init: InvalidOptionInit): string {
  if ('expected' in init)
    return `Expected \`${init.option}\` to be ${init.expected}, got ${describe(init.value)}`
  if ('unknownIn' in init) {
    const key = init.option.slice(init.option.lastIndexOf('.') + 1)
    return `Unknown key \`${key}\` in ${init.unknownIn}; expected one of ${init.known.join(', ')}`
  }
  return init.message
}

/**
 * An agent id that is not 1..128 characters of `[A-Za-z0-9._-]`, or is `.`/`..`: the one rule
 * every package applies, since an id names a file in the store directory.
 */
export class InvalidAgentIdError extends WardenError {
  readonly code = 'ERR_WARDEN_INVALID_AGENT_ID' as const
  readonly id: unknown

  constructor({ id, reason }: { id: unknown; reason: string }) {
    super(
      `Expected agent \`id\` to be 1..128 characters of [A-Za-z0-9._-] and not "." or "..", got ${describe(id)}: ${reason}`,
    )
    this.id = id
  }
}

/**
 * A wait (`supervisor.waitFor`, `monitor.waitForPoll`, `once`) gave up before its event came: its
 * `timeoutMs` passed, or (`reason`) what it waited on went away.
 */
export class WaitTimeoutError extends WardenError {
  readonly code = 'ERR_WARDEN_WAIT_TIMEOUT' as const
  /** What was awaited, in words (`agent "web" to be running`). */
  readonly waitingFor: string
  /** The timeout that passed; undefined when the wait ended for `reason`. */
  readonly timeoutMs: number | undefined

  constructor(init: { waitingFor: string } & ({ timeoutMs: number } | { reason: string })) {
    super(
      'reason' in init
        ? `Gave up waiting for ${init.waitingFor}: ${init.reason}`
        : `Gave up waiting for ${init.waitingFor} after ${init.timeoutMs} ms`,
    )
    this.waitingFor = init.waitingFor
    this.timeoutMs = 'timeoutMs' in init ? init.timeoutMs : undefined
  }
}
