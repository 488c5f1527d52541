export { watchIdentity } from './adopt/watch.js'
export type { RestoreOutcome } from './agent/instance.js'
export { AgentInstance, type StopOptions } from './agent/instance.js'
export {
  type AdoptRefusal,
  AdoptRefusedError,
  AgentExistsError,
  AgentNotFoundError,
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
  WardenCoreError,
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
export { LineSplitter } from './logs/line-splitter.js'
export { RotatingFile, type RotatingFileOptions } from './logs/rotating-file.js'
export {
  type AgentSpec,
  type BackoffOptions,
  DEFAULTS,
  isValidAgentId,
  type LogOptions,
  type RestartPolicy,
  type StartLimitOptions,
  type StderrTailOptions,
} from './options.js'
export type { PersistedAgentState, StoredAgentSpec, StoredIdentity, StoredRun } from './persist/state.js'
export type { AgentStateStore } from './persist/store.js'
export * from './proc/index.js'
export { AgentRegistry, type RegistryEvents } from './registry/registry.js'
export type { AgentInfo, AgentStatus, PidSource } from './registry/types.js'
export { Backoff } from './restart/backoff.js'
export { StartLimiter } from './restart/start-limit.js'
export type { RestoreResult } from './restore/restore.js'
export {
  type AdoptOptions,
  Supervisor,
  type SupervisorOptions,
  type WaitForOptions,
} from './supervisor.js'
export { type TerminateTreeOptions, type TerminateTreeResult, terminateTree } from './terminate/kill-tree.js'
