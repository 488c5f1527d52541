/** Lifecycle of an agent (supervisord / systemd vocabulary). */
export type AgentStatus = 'stopped' | 'starting' | 'running' | 'stopping' | 'backoff' | 'exited' | 'fatal'

/** Every status, in lifecycle order: what `waitFor()` accepts and a saved record may hold. */
export const AGENT_STATUSES: readonly AgentStatus[] = [
  'stopped',
  'starting',
  'running',
  'stopping',
  'backoff',
  'exited',
  'fatal',
]

/** What the registry knows of one agent: the monitor reads this every tick, so it stays flat. */
export interface AgentInfo {
  readonly id: string
  readonly type?: string
  /** Current pid, or null when no process runs. */
  readonly pid: number | null
  /** Start time of `pid` in clock ticks since boot (/proc/<pid>/stat field 22): pid + startTicks is the identity. */
  readonly startTicks: number | null
  readonly status: AgentStatus
  /** ms since epoch when the current process started, or null. */
  readonly startTime: number | null
  readonly restartCount: number
  /** Of `restartCount`, the restarts that followed an OOM kill (`lastExit.reason: 'oom'`); absent until the first. */
  readonly oomRestarts?: number
  /** True when the process was adopted rather than spawned by the supervisor. */
  readonly adopted: boolean
  /** How the last process ended; `stderrTail` (when it wrote to stderr) says why. */
  readonly lastExit?: {
    readonly code: number | null
    readonly signal: string | null
    readonly at: number
    readonly stderrTail?: readonly string[]
    /** `'oom'`: the OOM killer killed a process of its cgroup (see `agent:exit`). */
    readonly reason?: 'oom'
  }
  /** `code` is a CoreError code; `errno` the OS code behind it (ENOENT, EACCES...) when there is one. */
  readonly lastError?: {
    readonly code?: string
    readonly errno?: string
    readonly message: string
    readonly at: number
  }
  readonly labels?: Readonly<Record<string, string>>
  /** Log lines dropped so far (disk slower than the agent, or failing writes); 0 when healthy. */
  readonly droppedLogLines: number
  /**
   * The agent's cgroup directory (absolute path) while it has one: its processes, and what an
   * exited process left until it is stopped. Absent for a process-group agent.
   */
  readonly cgroup?: string
}

/**
 * The minimum the monitor needs: anything that can list agents with their pids. An
 * `AgentRegistry` lists whole `AgentInfo`s, whose start time, restarts and last exit the
 * monitor's `snapshot()` passes on; a plain source may leave them out.
 */
export interface PidSource {
  list(): Iterable<PidSourceEntry>
  /** One agent by id, when the source can look it up (an `AgentRegistry` can); else `list()` is searched. */
  get?(id: string): PidSourceEntry | undefined
}

/** What a `PidSource` lists of one agent. */
export type PidSourceEntry = Pick<AgentInfo, 'id' | 'pid' | 'startTicks' | 'status'> &
  Partial<Pick<AgentInfo, 'startTime' | 'restartCount' | 'lastExit' | 'cgroup'>>
