import type { InvalidOptionError } from '@warden/utils'
import { messageOf, WardenError } from '@warden/utils'

export { InvalidOptionError } from '@warden/utils'

/** Which collector a result or an error belongs to. */
export type CollectorName = 'cpu' | 'memory' | 'disks' | 'temperature' | 'gpu' | 'systemd'

/** A collector did not report within its `timeoutMs`: the tick went on without it. */
export class CollectorTimeoutError extends WardenError {
  readonly code = 'ERR_HOST_COLLECTOR_TIMEOUT' as const
  readonly collector: CollectorName
  readonly timeoutMs: number
  constructor({ collector, timeoutMs }: { collector: CollectorName; timeoutMs: number }) {
    super(`The ${collector} collector did not report within ${timeoutMs} ms`)
    this.collector = collector
    this.timeoutMs = timeoutMs
  }
}

/**
 * What a collector reads does not exist on this host (no nvidia-smi, systemd not running, no
 * temperature sensor): reported every tick, but emitted as `collector-error` only when it starts.
 */
export class CollectorUnavailableError extends WardenError {
  readonly code = 'ERR_HOST_UNAVAILABLE' as const
  readonly collector: CollectorName
  readonly reason: string
  constructor({ collector, reason }: { collector: CollectorName; reason: string }) {
    super(`The ${collector} collector is unavailable: ${reason}`)
    this.collector = collector
    this.reason = reason
  }
}

/** A collector failed for another reason (an unreadable file, a helper that died); see `cause`. */
export class CollectorFailedError extends WardenError {
  readonly code = 'ERR_HOST_COLLECTOR_FAILED' as const
  readonly collector: CollectorName
  constructor({ collector, cause }: { collector: CollectorName; cause: unknown }) {
    super(`The ${collector} collector failed: ${messageOf(cause)}`, { cause })
    this.collector = collector
  }
}

/** A /proc file or a command's output did not parse. */
export class ParseError extends WardenError {
  readonly code = 'ERR_HOST_PARSE' as const
  /** The file or command read, e.g. `/proc/stat` or `nvidia-smi`. */
  readonly source: string
  constructor({ source, message }: { source: string; message: string }) {
    super(`Cannot parse ${source}: ${message}`)
    this.source = source
  }
}

/** A command (nvidia-smi, systemctl) ran past its hard timeout and was killed. */
export class CommandTimeoutError extends WardenError {
  readonly code = 'ERR_HOST_COMMAND_TIMEOUT' as const
  readonly command: string
  readonly timeoutMs: number
  readonly pid: number | undefined
  constructor({ command, timeoutMs, pid }: { command: string; timeoutMs: number; pid?: number | undefined }) {
    super(`${command} (pid ${pid}) ran for more than ${timeoutMs} ms and was killed`)
    this.command = command
    this.timeoutMs = timeoutMs
    this.pid = pid
  }
}

/**
 * The previous run of a command was killed but has not exited (stuck in the kernel, e.g. a
 * wedged GPU driver): no second one is started until it does.
 */
export class CommandBusyError extends WardenError {
  readonly code = 'ERR_HOST_COMMAND_BUSY' as const
  readonly command: string
  readonly pid: number | undefined
  /** ms since epoch when the stuck run was started. */
  readonly since: number
  constructor({ command, pid, since }: { command: string; pid?: number | undefined; since: number }) {
    super(
      `${command} (pid ${pid}, started ${new Date(since).toISOString()}) was killed but has not exited yet: not starting another`,
    )
    this.command = command
    this.pid = pid
    this.since = since
  }
}

/** A command exited non-zero, was killed by a signal, or could not be started. */
export class CommandFailedError extends WardenError {
  readonly code = 'ERR_HOST_COMMAND_FAILED' as const
  readonly command: string
  readonly exitCode: number | null
  readonly signal: string | null
  /** What the command printed on stderr (else stdout), trimmed, at most 1000 characters. */
  readonly output: string
  constructor({
    command,
    exitCode,
    signal,
    output,
    cause,
  }: {
    command: string
    exitCode?: number | null
    signal?: string | null
    output?: string
    cause?: unknown
  }) {
    const how =
      cause !== undefined
        ? `could not be run: ${messageOf(cause)}`
        : signal
          ? `was killed by ${signal}`
          : `exited with ${exitCode}`
    const text = (output ?? '').trim().slice(0, 1000)
    const last = text.split('\n').pop()
    super(`${command} ${how}${last ? `: ${last}` : ''}`, cause === undefined ? undefined : { cause })
    this.command = command
    this.exitCode = exitCode ?? null
    this.signal = signal ?? null
    this.output = text
  }
}

/** Every error @warden/host throws, emits or records: narrow it with `switch (error.code)`. */
export type HostError =
  | CollectorFailedError
  | CollectorTimeoutError
  | CollectorUnavailableError
  | CommandBusyError
  | CommandFailedError
  | CommandTimeoutError
  | InvalidOptionError
  | ParseError
