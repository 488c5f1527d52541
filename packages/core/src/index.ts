export { WardenError } from '@warden/utils'
export type { RestoreOutcome, StopOptions } from './agent/instance.js'
export {
  type AdoptRefusal,
  AdoptRefusedError,
  AgentExistsError,
  AgentNotFoundError,
  CgroupError,
  type CgroupFailure,
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
  Containment,
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
export type { AgentStateStore } from './persist/store-adapter.js'
export { AgentRegistry, type RegistryEvents } from './registry/registry.js'
export type { AgentInfo, AgentStatus, PidSource, PidSourceEntry } from './registry/types.js'
export type { RestoreResult } from './restore/restore.js'
export {
  type AdoptOptions,
  type AgentSpecView,
  Supervisor,
  type SupervisorOptions,
  type WaitForOptions,
} from './supervisor.js'
