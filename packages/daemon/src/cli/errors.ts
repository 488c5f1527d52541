import { WardenError } from '@warden/utils'

/**
 * Exit codes of `warden` client commands:
 *
 * | code | meaning |
 * | ---- | ------- |
 * | 0    | done |
 * | 1    | the daemon answered with an error (404 unknown agent, 409 conflict, 500, …), or an answer that is not Warden's |
 * | 2    | usage error: unknown command or flag, missing or malformed argument, unreadable --token-file |
 * | 3    | no daemon answers at the URL (connection refused, host not found, timeout), or it went away mid-stream |
 * | 4    | authentication failed: no token or a refused token (401), a read token on a control command (403) |
 * | 130  | interrupted (io.signal aborted) before the answer came; `logs -f` ends with 0 when interrupted |
 */
export const EXIT = {
  ok: 0,
  daemonError: 1,
  usage: 2,
  unreachable: 3,
  auth: 4,
  interrupted: 130,
} as const

/** A command line the CLI cannot run: unknown command or flag, bad value, missing argument. */
export class UsageError extends WardenError {
  readonly code = 'ERR_DAEMON_CLI_USAGE' as const
}

/** Nothing answers at the daemon's URL, it did not answer in time, or it closed a stream. */
export class DaemonUnreachableError extends WardenError {
  readonly code = 'ERR_DAEMON_CLI_UNREACHABLE' as const
  readonly url: string
  /** In words: `connection refused`, `host not found`, `no answer within 30 s`, … */
  readonly reason: string

  constructor({ url, reason, cause }: { url: string; reason: string; cause?: unknown }) {
    super(`no daemon answers at ${url} (${reason}) — is \`warden run\` running? (--url / WARDEN_URL)`, {
      cause,
    })
    this.url = url
    this.reason = reason
  }
}

/** The daemon refused the token (401), or the token may only read (403). */
export class AuthError extends WardenError {
  readonly code = 'ERR_DAEMON_CLI_AUTH' as const
  readonly status: 401 | 403
  /** The server's `code` (`ERR_SERVER_UNAUTHORIZED`, `ERR_SERVER_FORBIDDEN`). */
  readonly serverCode: string | undefined

  constructor({ url, status, serverCode, tokenSent }: AuthErrorInit) {
    super(authMessage(url, status, tokenSent))
    this.status = status
    this.serverCode = serverCode
  }
}

interface AuthErrorInit {
  readonly url: string
  readonly status: 401 | 403
  readonly serverCode: string | undefined
  readonly tokenSent: boolean
}

function authMessage(url: string, status: 401 | 403, tokenSent: boolean): string {
  if (status === 403)
    return 'this token has read access only: starting, stopping and restarting agents needs a control token'
  if (!tokenSent)
    return `the daemon at ${url} needs a token: set WARDEN_TOKEN, or pass --token-file <path> (or --token <token>)`
  return `the token was refused by the daemon at ${url}: check WARDEN_TOKEN, --token-file or --token`
}

/** The daemon answered with an error (`{ statusCode, code, message, parameter? }`), or not with Warden's JSON. */
export class DaemonAnswerError extends WardenError {
  readonly code = 'ERR_DAEMON_CLI_ANSWER' as const
  readonly status: number
  /** The server's error `code` (`ERR_SERVER_AGENT_NOT_FOUND`, …); undefined when the answer had none. */
  readonly serverCode: string | undefined
  readonly parameter: string | undefined

  constructor(init: { status: number; serverCode?: string; message: string; parameter?: string }) {
    super(
      init.serverCode === undefined
        ? `${init.message} (HTTP ${init.status})`
        : `${init.message} (${init.serverCode}, HTTP ${init.status})`,
    )
    this.status = init.status
    this.serverCode = init.serverCode
    this.parameter = init.parameter
  }
}

/** `io.signal` was aborted before the daemon answered. */
export class InterruptedError extends WardenError {
  readonly code = 'ERR_DAEMON_CLI_INTERRUPTED' as const
  constructor(options?: { cause?: unknown }) {
    super('interrupted', options)
  }
}

/** The exit code for an error a command threw (1 for anything unexpected). */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage
  if (error instanceof DaemonUnreachableError) return EXIT.unreachable
  if (error instanceof AuthError) return EXIT.auth
  if (error instanceof InterruptedError) return EXIT.interrupted
  return EXIT.daemonError
}
