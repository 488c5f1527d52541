import { WardenError } from '@warden/utils'

export { InvalidOptionError } from '@warden/utils'

/** One thing wrong in a config file: where (key path, line, column) and what. */
export interface ConfigIssue {
  /** `agents[2].thresholds.cpu`; `''` for the document itself. */
  readonly path: string
  /** 1-based; `undefined` when the problem has no place in the file (e.g. a missing environment variable). */
  readonly line: number | undefined
  readonly column: number | undefined
  /** `unknown key; did you mean cpuPercent?` */
  readonly message: string
}

/** The config file could not be read, is not YAML, or does not match the schema. Every issue found is listed. */
export class ConfigError extends WardenError {
  readonly code = 'ERR_DAEMON_CONFIG' as const
  /** The file, as given. */
  readonly file: string
  readonly issues: readonly ConfigIssue[]
  constructor(
    { file, issues }: { file: string; issues: readonly ConfigIssue[] },
    options?: { cause?: unknown },
  ) {
    super(`Invalid config ${file}:\n${issues.map((i) => `  ${formatIssue(file, i)}`).join('\n')}`, options)
    this.file = file
    this.issues = issues
  }
}

/** `warden.yaml:14:7: agents[2].thresholds.cpu: unknown key; did you mean cpuPercent?` */
export function formatIssue(file: string, issue: ConfigIssue): string {
  const where = issue.line === undefined ? file : `${file}:${issue.line}:${issue.column ?? 1}`
  return issue.path === '' ? `${where}: ${issue.message}` : `${where}: ${issue.path}: ${issue.message}`
}

/** The daemon could not start: the data directory is locked by another daemon, the address is taken, … */
export class StartupError extends WardenError {
  readonly code = 'ERR_DAEMON_STARTUP' as const
  /** What was being done: `store`, `listen`, `agents`, `host-history`. */
  readonly step: string
  constructor({ step, message }: { step: string; message: string }, options?: { cause?: unknown }) {
    super(message, options)
    this.step = step
  }
}

/** `reload()` or `shutdown()` after `shutdown()` was called. */
export class DaemonClosedError extends WardenError {
  readonly code = 'ERR_DAEMON_CLOSED' as const
  readonly operation: string
  constructor({ operation }: { operation: string }) {
    super(`The daemon is shutting down: ${operation} is refused`)
    this.operation = operation
  }
}

/** `shutdown()` did not finish within its deadline, or a step of it failed. */
export class ShutdownError extends WardenError {
  readonly code = 'ERR_DAEMON_SHUTDOWN' as const
  /** The steps that failed or did not finish, with why. */
  readonly failures: readonly { step: string; message: string }[]
  constructor({ failures }: { failures: readonly { step: string; message: string }[] }) {
    super(`Shutdown incomplete: ${failures.map((f) => `${f.step}: ${f.message}`).join('; ')}`)
    this.failures = failures
  }
}

export type DaemonError = ConfigError | StartupError | DaemonClosedError | ShutdownError
