export { WardenError } from '@warden/utils'
export type { Principal } from './auth/tokens.js'
export {
  AgentNotFoundError,
  BadRequestError,
  ControlConflictError,
  ControlFailedError,
  EventFileError,
  ForbiddenError,
  HostHistoryNotConfiguredError,
  HostNotConfiguredError,
  HttpError,
  InsecureListenError,
  InternalError,
  InvalidOptionError,
  InvalidParameterError,
  LogsNotConfiguredError,
  RouteNotFoundError,
  type ServerError,
  ServicesUnavailableError,
  TokenInQueryError,
  TooManyStreamsError,
  UnauthorizedError,
  UnavailableError,
} from './errors.js'
export { DEFAULT_HOST } from './http/listen.js'
export type { Access, AuthOptions, ServerOptions, TokenOptions } from './options.js'
export type { AgentView } from './schemas/agent.js'
export type { ErrorBody } from './schemas/common.js'
export type { RecentEvents } from './schemas/events.js'
export type { AgentsHistory, History } from './schemas/history.js'
export type { Snapshot } from './schemas/snapshot.js'
export { createServer } from './server.js'
export type { OpenEpisode } from './sources/alerts.js'
export { EventFile, openEventFile, type StoredEvent } from './sources/event-file.js'
export { EVENT_NAMES } from './sources/event-log.js'
export { isAcceptedToken } from './validate-options.js'
export type { Health } from './views/health.js'
