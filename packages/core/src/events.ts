import type { LogRelayError, LogWriteError, PersistError, SpawnError } from './errors.js'
import type { LogStream } from './logs/agent-logs.js'
import type { AgentInfo, AgentStatus } from './registry/types.js'

export interface AgentStartEvent {
  readonly id: string
  readonly pid: number
  readonly startTicks: number | null
  /** True when an already running process was adopted rather than spawned. */
  readonly adopted: boolean
  readonly restartCount: number
}

export interface AgentExitEvent {
  readonly id: string
  readonly pid: number
  /** Exit code, or null when killed by a signal or when unknown (adopted process). */
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly uptimeMs: number
  /** True when the exit was asked for by stop()/restart()/shutdown(). */
  readonly expected: boolean
  /**
   * The last lines the process wrote to stderr (bounded by the spec's `stderrTail`); empty for an
   * adopted process, unless `restore()` found its stderr file again (or its log relay: then the
   * stderr lines reported since).
   */
  readonly stderrTail: readonly string[]
  /**
   * `'oom'` when the kernel's OOM killer killed a process of the agent's cgroup while this process
   * ran (memory.events `oom_kill` grew; needs a cgroup with the memory controller); absent otherwise.
   */
  readonly reason?: 'oom'
}

export interface AgentBackoffEvent {
  readonly id: string
  /** Consecutive restart attempt (1-based), reset once the agent stayed up minUptimeMs. */
  readonly attempt: number
  readonly delayMs: number
  /** Set when the restart is due to a spawn failure. */
  readonly error?: SpawnError
}

export interface AgentRestartEvent {
  readonly id: string
  readonly attempt: number
  readonly delayMs: number
}

export interface AgentFatalEvent {
  readonly id: string
  /** 'start-limit': crash loop; 'spawn-failed': spawn failed and the policy forbids retrying. */
  readonly reason: 'start-limit' | 'spawn-failed'
  /** The spawn failure behind it, if a spawn failed. */
  readonly error?: SpawnError
  /** With 'start-limit': the stderr tail of the last exit, when it wrote anything. */
  readonly stderrTail?: readonly string[]
}

export interface AgentStatusEvent {
  readonly id: string
  readonly from: AgentStatus
  readonly to: AgentStatus
  readonly info: AgentInfo
}

export interface AgentLogEvent {
  readonly id: string
  readonly stream: LogStream
  /** One whole line, without its newline, decoded as UTF-8. */
  readonly line: string
}

/** What `agent:error` reports: the agent itself is unaffected. Match on `error.code`. */
export type AgentError = PersistError | LogWriteError | LogRelayError

export interface AgentErrorEvent {
  readonly id: string
  readonly error: AgentError
}

export interface SupervisorEvents {
  'agent:start': [event: AgentStartEvent]
  'agent:exit': [event: AgentExitEvent]
  'agent:backoff': [event: AgentBackoffEvent]
  'agent:restart': [event: AgentRestartEvent]
  'agent:fatal': [event: AgentFatalEvent]
  'agent:status': [event: AgentStatusEvent]
  'agent:log': [event: AgentLogEvent]
  'agent:error': [event: AgentErrorEvent]
}
