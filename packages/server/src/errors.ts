import type { InvalidOptionError } from '@warden/utils'
import { WardenError } from '@warden/utils'

export { InvalidOptionError } from '@warden/utils'

/**
 * An error the API answers with: `statusCode` and the body `{ statusCode, error, code, message,
 * parameter? }`. Like every Warden error it extends `WardenError`: match on `error.code`.
 */
export abstract class HttpError extends WardenError {
  /** The HTTP status it answers with. */
  abstract readonly statusCode: number
}

/** `listen()` on an address other than loopback while no token is configured. */
export class InsecureListenError extends HttpError {
  readonly code = 'ERR_SERVER_INSECURE_LISTEN' as const
  readonly statusCode = 500
  readonly host: string
  constructor({ host }: { host: string }) {
    super(`Refusing to listen on ${host} without a token: configure auth.tokens, or listen on 127.0.0.1`)
    this.host = host
  }
}

/** No bearer token, another scheme, or a token that is not configured. */
export class UnauthorizedError extends HttpError {
  readonly code = 'ERR_SERVER_UNAUTHORIZED' as const
  readonly statusCode = 401
  /** `missing` (no Authorization header), `scheme` (not Bearer) or `invalid` (unknown token). */
  readonly reason: 'missing' | 'scheme' | 'invalid'
  constructor({ reason }: { reason: 'missing' | 'scheme' | 'invalid' }) {
    super(
      reason === 'missing'
        ? 'Authentication required: send Authorization: Bearer <token>'
        : reason === 'scheme'
          ? 'Unsupported authorization scheme: send Authorization: Bearer <token>'
          : 'Invalid token',
    )
    this.reason = reason
  }
}

/** A read-only token on a route that controls agents. */
export class ForbiddenError extends HttpError {
  readonly code = 'ERR_SERVER_FORBIDDEN' as const
  readonly statusCode = 403
  constructor() {
    super('This token may read but not control agents: a control token is required')
  }
}

/** A token-like parameter in the query string, where proxies and logs would keep it. */
export class TokenInQueryError extends HttpError {
  readonly code = 'ERR_SERVER_TOKEN_IN_QUERY' as const
  readonly statusCode = 400
  readonly parameter: string
  constructor({ parameter }: { parameter: string }) {
    super(
      `Tokens are not accepted in the query string (\`${parameter}\`): send Authorization: Bearer <token>, and replace the token, which may now be in logs`,
    )
    this.parameter = parameter
  }
}

/** A path, query or body parameter failed its schema (or its range). */
export class InvalidParameterError extends HttpError {
  readonly code = 'ERR_SERVER_INVALID_PARAMETER' as const
  readonly statusCode = 400
  /** The parameter's name, e.g. `interval`. */
  readonly parameter: string
  constructor({ parameter, message }: { parameter: string; message: string }) {
    super(message)
    this.parameter = parameter
  }
}

/** A request fastify refused before any route ran: malformed JSON, a wrong content type, a body too large (`statusCode` 4xx). */
export class BadRequestError extends HttpError {
  readonly code = 'ERR_SERVER_BAD_REQUEST' as const
  readonly statusCode: number
  constructor({ statusCode, message }: { statusCode: number; message: string }) {
    super(message)
    this.statusCode = statusCode
  }
}

/** No route answers this method and path. */
export class RouteNotFoundError extends HttpError {
  readonly code = 'ERR_SERVER_NOT_FOUND' as const
  readonly statusCode = 404
  constructor({ method, path }: { method: string; path: string }) {
    super(`No route ${method} ${path}`)
  }
}

/** The agent is not known to the supervisor (nor, for history, to the store). */
export class AgentNotFoundError extends HttpError {
  readonly code = 'ERR_SERVER_AGENT_NOT_FOUND' as const
  readonly statusCode = 404
  readonly id: string
  constructor({ id }: { id: string }) {
    super(`Agent "${id}" does not exist`)
    this.id = id
  }
}

/** The agent's stream has no log file configured (`logs.stdout` / `logs.stderr` of its spec). */
export class LogsNotConfiguredError extends HttpError {
  readonly code = 'ERR_SERVER_LOGS_NOT_CONFIGURED' as const
  readonly statusCode = 404
  readonly id: string
  readonly stream: string
  constructor({ id, stream }: { id: string; stream: string }) {
    super(`Agent "${id}" has no ${stream} log file (its spec has no logs.${stream})`)
    this.id = id
    this.stream = stream
  }
}

/** A host route on a server created without `host`. */
export class HostNotConfiguredError extends HttpError {
  readonly code = 'ERR_SERVER_HOST_NOT_CONFIGURED' as const
  readonly statusCode = 404
  constructor() {
    super('This server has no host monitor (createServer without `host`)')
  }
}

/** `GET /v1/host/history`: the host monitor keeps no history (created without a `HostHistory`). */
export class HostHistoryNotConfiguredError extends HttpError {
  readonly code = 'ERR_SERVER_HOST_HISTORY_NOT_CONFIGURED' as const
  readonly statusCode = 501
  constructor() {
    super('Host history is not configured: the host monitor was created without `history` (a HostHistory)')
  }
}

/** `systemctl` could not list the units (no systemd, a timeout, a failure: `cause`). */
export class ServicesUnavailableError extends HttpError {
  readonly code = 'ERR_SERVER_SERVICES_UNAVAILABLE' as const
  readonly statusCode = 503
  constructor({ cause }: { cause: unknown }) {
    super(`Cannot list systemd services: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    })
  }
}

/** A control request the supervisor refused in the agent's state (superseded, not startable). */
export class ControlConflictError extends HttpError {
  readonly code = 'ERR_SERVER_CONFLICT' as const
  readonly statusCode = 409
  readonly id: string
  constructor({ id, cause }: { id: string; cause: Error }) {
    super(`Agent "${id}": ${cause.message}`, { cause })
    this.id = id
  }
}

/** A control request that failed (a process survived SIGKILL: `cause`). */
export class ControlFailedError extends HttpError {
  readonly code = 'ERR_SERVER_CONTROL_FAILED' as const
  readonly statusCode = 500
  readonly id: string
  constructor({ id, cause }: { id: string; cause: Error }) {
    super(`Agent "${id}": ${cause.message}`, { cause })
    this.id = id
  }
}

/** The supervisor is shutting down, or the server is closing. */
export class UnavailableError extends HttpError {
  readonly code = 'ERR_SERVER_UNAVAILABLE' as const
  readonly statusCode = 503
  constructor({ reason }: { reason: string }) {
    super(`Unavailable: ${reason}`)
  }
}

/** Every event stream slot is taken (`maxStreams`). */
export class TooManyStreamsError extends HttpError {
  readonly code = 'ERR_SERVER_TOO_MANY_STREAMS' as const
  readonly statusCode = 503
  readonly maxStreams: number
  constructor({ maxStreams }: { maxStreams: number }) {
    super(`Too many open event streams (maxStreams ${maxStreams}); try again later`)
    this.maxStreams = maxStreams
  }
}

/** Anything unexpected; its details go to the log, not to the client. */
export class InternalError extends HttpError {
  readonly code = 'ERR_SERVER_INTERNAL' as const
  readonly statusCode = 500
  constructor({ cause }: { cause: unknown }) {
    super('Internal server error', { cause })
  }
}

/** Every error @warden/server throws or answers with: narrow it with `switch (error.code)`. */
/** The event file (`openEventFile`) could not be opened, read or written: not a regular file, a symlink, no space, … */
export class EventFileError extends WardenError {
  readonly code = 'ERR_SERVER_EVENT_FILE' as const
  readonly path: string
  readonly operation: 'open' | 'read' | 'write'
  constructor({
    path,
    operation,
    cause,
  }: { path: string; operation: 'open' | 'read' | 'write'; cause: unknown }) {
    super(
      `Cannot ${operation} the event file ${path}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    )
    this.path = path
    this.operation = operation
  }
}

export type ServerError =
  | AgentNotFoundError
  | BadRequestError
  | ControlConflictError
  | ControlFailedError
  | EventFileError
  | ForbiddenError
  | HostHistoryNotConfiguredError
  | HostNotConfiguredError
  | InsecureListenError
  | InternalError
  | InvalidOptionError
  | InvalidParameterError
  | LogsNotConfiguredError
  | RouteNotFoundError
  | ServicesUnavailableError
  | TokenInQueryError
  | TooManyStreamsError
  | UnauthorizedError
  | UnavailableError
