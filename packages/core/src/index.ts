export { WardenError } from '@warden/utils'
export type { RestoreOutcome, StopOptions } from './agent/instance.js'
export {
  type AdoptRefusal,
  AdoptRefusedError,
  AgentExistsError,
  AgentNotFoundError,
  type CoreError,
  InvalidAgentIdError,
  InvalidOptionError,
  InvalidRecordError,
  type LifecycleOperation,
  LogRelayError,
  LogWriteError,
  NotStartableError,
  PersistError,
  ProcessNotFoundError,
  SpawnError,
  StopTimeoutError,
  SupersededError,
  SupervisorClosedError,
  UnknownUserError,
  UserSwitchDeniedError,
  WaitTimeoutError,
} from './errors.js'
export type {
  AgentBackoffEvent,
  AgentError,
  AgentErrorEvent,
  AgentExitEvent,
  AgentFatalEvent,
  AgentLogEvent,
  AgentRestartEvent,
  AgentStartEvent,
  AgentStatusEvent,
  SupervisorEvents,
} from './events.js'
export type { LogStream } from './logs/agent-logs.js'
export type { LogPosition, LogRead, ReadLogOptions } from './logs/read-log.js'
export type {
  AgentSpec,
  BackoffOptions,
  LogOptions,
  RestartPolicy,
  StartLimitOptions,
  StderrTailOptions,
} from './options.js'
export type {
  PersistedAgentState,
  StoredAgentSpec,
  StoredIdentity,
  StoredRelay,
  StoredRun,
} from './persist/state.js'
export type { AgentStateStore } from './persist/store.js'
/**
 * @deprecated Transitional, not part of the API: the `/proc` readers that @warden/monitor (and
 * the supervise example's test) still import from here. They move to @warden/utils in a later
 * step of issue 9; import them from there then.
 */
export {
  childrenOf,
  descendants,
  descendantsSync,
  isSameProcessAlive,
  type ProcessIdentity,
  type ProcStat,
  parseStat,
  readStat,
} from './proc/index.js'
export { AgentRegistry, type RegistryEvents } from './registry/registry.js'
export type { AgentInfo, AgentStatus, PidSource } from './registry/types.js'
export type { RestoreResult } from './restore/restore.js'
export {
  type AdoptOptions,
  type AgentSpecView,
  Supervisor,
  type SupervisorOptions,
  type WaitForOptions,
} from './supervisor.js'
