import type { StoreCorruptError, StoreError } from '../errors.js'
import type { ResourceUsageHistory } from '../history/history.js'
import type { JournalTruncatedEvent } from '../journal/replay.js'
import type { HistoryOptions, ResourceDataPoint, StorePoint } from '../types.js'

/** How the agent's process last ended. */
export interface AgentExit {
  readonly code: number | null
  readonly signal: string | null
  /** ms since epoch. */
  readonly at: number
  /** The last lines the process wrote to stderr (bounded by the supervisor's `stderrTail`). */
  readonly stderrTail?: readonly string[]
  /** `'oom'`: the kernel's OOM killer killed a process of the agent's cgroup (the main one, or what it waited on). */
  readonly reason?: 'oom'
}

/** The last error the supervisor saw for the agent (spawn failure, ...). */
export interface AgentLastError {
  readonly code?: string
  /** The OS error code behind it (`ENOENT`, `EACCES`, ...), when there is one. */
  readonly errno?: string
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
  /**
   * The supervisor's (`@warden/core`) fields, typed so a reader needs no cast; `restore()` reads
   * them back. pid and start ticks (clock ticks since boot, /proc/<pid>/stat field 22) name the
   * current or last process; null when there is none.
   */
  pid?: number | null
  startTicks?: number | null
  /** The process was adopted, not spawned by the supervisor. */
  adopted?: boolean
  /** What the last start/restart/stop asked for: a restored supervisor runs the agent only if `up`. */
  want?: 'up' | 'down'
  /** The supervisor's record of the current run (its own format); null once a clean stop ended it. */
  run?: Readonly<Record<string, unknown>> | null
  /** The spec a restart needs, as the supervisor saved it (its own format). */
  spec?: Readonly<Record<string, unknown>>
  resourceUsage: ResourceUsageHistory
}

/** Options of `FileMetadataStore`. */
export interface FileMetadataStoreOptions {
  /** Directory holding one `<id>.json` per agent; created on `open()` unless read-only. */
  readonly dir: string
  /**
   * fdatasync the journal before an append resolves; fsync each file before its rename and the
   * directory after renames and segment changes. Off trades durability across power loss (not
   * across process crashes) for speed.
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
  /**
   * Appended points go to the journal; an agent's file is rewritten (checkpointed) once it lacks
   * this many of its points, each agent's first checkpoint offset by a hash of its id so agents do
   * not all checkpoint in the same tick. Metadata writes (`save`, `update`) and `close()` also
   * checkpoint. 1 to 1 000 000.
   * @default 256
   */
  readonly checkpointEvery?: number
  /**
   * The journal starts a new segment file once the current one would pass this size; a segment is
   * deleted once every agent's file covers its points. 1024 to 2³⁰.
   * @default 4 MiB
   */
  readonly segmentBytes?: number
}

/** One point for one agent, in an `appendMany` batch. */
export interface AppendEntry<P extends StorePoint = ResourceDataPoint> {
  readonly id: string
  readonly point: P
}

/** An entry of an `appendMany` batch that was refused; the others were appended. */
export interface AppendFailure {
  /** Its index in the batch. */
  readonly index: number
  readonly id: string
  /** The coded `StoreError`: invalid id or point, out of order, a file of a newer schema, … */
  readonly error: Error
}

/** What `appendMany` did: how many points are durable, and which entries were refused and why. */
export interface AppendManyResult {
  readonly appended: number
  readonly failed: readonly AppendFailure[]
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

/** `checkpoint` event payload: an agent's file was rewritten from memory and is durable. */
export interface CheckpointEvent {
  readonly id: string
  /** The journal LSN the file now covers (its `journalLsn` field). */
  readonly journalLsn: number
  /** Journaled points the file took in. */
  readonly points: number
  /** Size of the file written. */
  readonly bytes: number
}

/** `checkpoint:failed` event payload: an agent's file could not be rewritten; its points stay in the journal. */
export interface CheckpointFailedEvent {
  readonly id: string
  readonly error: StoreError
}

/** Typed event map of `FileMetadataStore`. */
export interface StoreEvents {
  corrupt: [event: CorruptEvent]
  'lock:takeover': [event: LockTakeoverEvent]
  cleanup: [event: CleanupEvent]
  'journal:truncated': [event: JournalTruncatedEvent]
  checkpoint: [event: CheckpointEvent]
  'checkpoint:failed': [event: CheckpointFailedEvent]
}
