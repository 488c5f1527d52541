import type { AgentSpec } from '../options.js'
import type { AgentInfo, AgentStatus } from '../registry/types.js'

/**
 * The spec as saved: what `restore()` needs to run the agent again (JSON: an `env` value of
 * `null` removes a variable, as `undefined` does in `AgentSpec`). The id is the record's.
 */
export type StoredAgentSpec = Omit<AgentSpec, 'id' | 'command' | 'env'> & {
  readonly command?: string
  readonly env?: Readonly<Record<string, string | null>>
}

/** A process identity as saved. */
export interface StoredIdentity {
  readonly pid: number
  readonly startTicks: number
}

/**
 * The log relay the run's latest process writes its output through, and the key of that
 * process's streams in it: a restarted supervisor attaches to it again.
 */
export interface StoredRelay extends StoredIdentity {
  /** The relay's mark (`WARDEN_LOG_RELAY` in its environment). */
  readonly token: string
  /** The unix socket it listens on. */
  readonly socket: string
  readonly key: string
}

/** What a restarted supervisor needs to find the current run's processes again. */
export interface StoredRun {
  /** `/proc/sys/kernel/random/boot_id` when the identities were taken: start ticks mean nothing across a reboot. */
  readonly bootId: string
  /** `WARDEN_AGENT_COOKIE` of the run: a restored stop() still finds the run's daemonized descendants. */
  readonly cookie: string
  /** Start ticks of the run's first process (processes older than it are not scanned). */
  readonly cookieSinceTicks: number | null
  /** Where the latest process's piped output goes; null when it has none. */
  readonly relay: StoredRelay | null
  /** The run's stderr file (see logs/stderr-file.ts), found again through /proc/<pid>/fd/2. */
  readonly stderrFile: { readonly dev: number; readonly ino: number } | null
}

/**
 * Every field core writes into an agent's store record (`AgentMetadata` of @warden/store, whose
 * other fields, e.g. the resource history, it leaves alone), and reads back in `restore()`.
 */
export interface PersistedAgentState {
  readonly status: AgentStatus
  readonly restartCount: number
  /** Of them, restarts after an OOM kill (absent: none). */
  readonly oomRestarts?: number
  readonly startTime: number | null
  readonly pid: number | null
  readonly startTicks: number | null
  readonly lastExit?: AgentInfo['lastExit']
  readonly lastError?: AgentInfo['lastError']
  readonly type?: string
  readonly labels?: Readonly<Record<string, string>>
  /** The process was adopted, not spawned (no exit status). */
  readonly adopted: boolean
  /**
   * What the last start/restart/stop asked for (`shutdown()` does not change it): a restarted
   * supervisor runs the agent again only if it was wanted up.
   */
  readonly want: 'up' | 'down'
  /** The current run; null once a clean stop ended it. */
  readonly run: StoredRun | null
  readonly spec: StoredAgentSpec
}

/** The record fields core owns beyond those the store already types (removed by `remove()`). */
export const CORE_ONLY_FIELDS = ['pid', 'startTicks', 'adopted', 'want', 'run', 'spec'] as const

/** The spec as given, ready to be saved (a deep copy; `undefined` env values become `null`). */
export function storedSpec(spec: Record<string, unknown>): StoredAgentSpec {
  const { id: _id, env, ...rest } = spec
  const copy = structuredClone(rest) as Record<string, unknown>
  for (const [k, v] of Object.entries(copy)) if (v === undefined) delete copy[k]
  if (env !== undefined) {
    copy.env = Object.fromEntries(Object.entries(env as object).map(([k, v]) => [k, v ?? null]))
  }
  return copy as StoredAgentSpec
}
