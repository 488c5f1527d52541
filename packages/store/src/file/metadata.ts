import type { StoreCorruptError } from '../errors.js'
import type { ResourceUsageHistory } from '../history/history.js'
import type { HistoryOptions } from '../types.js'

/** How the agent's process last ended. */
export interface AgentExit {
  readonly code: number | null
  readonly signal: string | null
  /** ms since epoch. */
  readonly at: number
}

/** The last error the supervisor saw for the agent (spawn failure, ...). */
export interface AgentLastError {
  readonly code?: string
  readonly message: string
  readonly at: number
}

/** What the store keeps per agent. Extra JSON fields found in a file are kept as they are. */
export interface AgentMetadata {
  id: string
  type?: string
  status?: string
  /** ms since epoch of the current (or last) process start. */
  startTime?: number | null
  restartCount: number
  labels?: Record<string, string>
  /** ms since epoch of the last write (set by the store). */
  updatedAt: number
  lastExit?: AgentExit
  lastError?: AgentLastError
  resourceUsage: ResourceUsageHistory
}

/** Options of `FileMetadataStore`. */
export interface FileMetadataStoreOptions {
  /** Directory holding one `<id>.json` per agent; created on `open()` unless read-only. */
  readonly dir: string
  /**
   * fsync each file before its rename, then the directory after it. Off trades durability
   * across power loss (not across process crashes) for speed.
   * @default true
   */
  readonly fsync?: boolean
  /**
   * Open without the writer lock: reads only, always of complete files; mutations throw.
   * @default false
   */
  readonly readOnly?: boolean
  /**
   * History sizes and rollup tiers for new agents; loaded files are adapted to them.
   * @default { maxSize: 1440, tiers: 15 min × 672 and 1 h × 720 }
   */
  readonly history?: HistoryOptions
  /**
   * Largest record file, in bytes. A write above it is refused (`RecordTooLargeError`); a file
   * above it is set aside as corrupt without being read or parsed, so one huge file cannot
   * stall the event loop. A full default history is 330-400 KiB.
   * @default the larger of 4 MiB and 512 bytes per raw point and tier bucket `history` holds
   */
  readonly maxRecordBytes?: number
  /**
   * A writer keeps each record it loaded or wrote in memory, so a tick's append does not re-read
   * the file, and drops one not touched for this long (swept every `cacheIdleMs`). Keep it above
   * the interval between appends of a live agent. At most 2³¹−1 (what a Node timer holds).
   * @default 600_000 (10 minutes)
   */
  readonly cacheIdleMs?: number
}

/** `corrupt` event payload. */
export interface CorruptEvent {
  readonly id: string
  readonly path: string
  /** Where the file was moved; null on a read-only store (left in place). */
  readonly quarantinePath: string | null
  /** Carries the parse/validation failure as `cause`. */
  readonly error: StoreCorruptError
}

/** `lock:takeover` event payload: the lock of a process that no longer exists was taken over. */
export interface LockTakeoverEvent {
  readonly lockPath: string
  readonly previousPid: number | null
}

/** `cleanup` event payload: temp files a killed writer left behind, removed at `open()`. */
export interface CleanupEvent {
  readonly removed: readonly string[]
}

/** Typed event map of `FileMetadataStore`. */
export interface StoreEvents {
  corrupt: [event: CorruptEvent]
  'lock:takeover': [event: LockTakeoverEvent]
  cleanup: [event: CleanupEvent]
}
