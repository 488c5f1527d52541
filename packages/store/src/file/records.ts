import type { FileHandle } from 'node:fs/promises'
import { unlink } from 'node:fs/promises'
import { KeyedQueue } from '@warden/utils'
import { checkpointOffset } from '../checkpoint/stagger.js'
import { StoreIOError } from '../errors.js'
import type { ResolvedHistoryOptions } from '../history/options.js'
import type { PendingLog } from '../journal/pending.js'
import type { JournalWriter } from '../journal/writer.js'
import type { ResourceDataPoint } from '../types.js'
import { syncDir } from './dir-sync.js'
import { type Entry, isDirty, newestTimestamp } from './entry.js'
import { type DecodedRecord, freshMetadata } from './format.js'
import { type LoadContext, loadFile, recordPath } from './load.js'
import type { AgentMetadata, CorruptEvent, StoreEvents } from './metadata.js'
import { RecordCache } from './record-cache.js'
import type { Slots } from './slots.js'
import type { Turns } from './turns.js'

export interface RecordsOptions {
  readonly dir: string
  readonly history: ResolvedHistoryOptions
  readonly maxRecordBytes: number
  readonly cacheIdleMs: number
  readonly checkpointEvery: number
  readonly dirHandle: FileHandle | undefined
  readonly turns: Turns
  readonly reads: Slots
  readonly emit: <E extends keyof StoreEvents>(event: E, ...args: StoreEvents[E]) => void
}

export interface RecordsHooks {
  /** The agent's file lacks `checkpointEvery` of its points. */
  readonly due: (id: string) => void
  /** Asked before an idle record leaves the cache: true keeps it (for now). */
  readonly keepIdle: (id: string, entry: Entry) => boolean
}

/**
 * The writer's agents: each one's entry (its file plus the journal's points it lacks) loaded on
 * first use and kept while in use, the journal's points of agents not loaded yet, and the two
 * queues that order an agent's work: its operations, and its file writes.
 */
export class Records {
  readonly #o: RecordsOptions
  readonly #ctx: LoadContext
  readonly #hooks: RecordsHooks
  readonly #journal: JournalWriter
  readonly #queue = new KeyedQueue()
  // File writes of one agent (checkpoints, metadata writes, delete) land in the order their snapshots were taken.
  readonly #files = new KeyedQueue()
  readonly #cache: RecordCache<Entry>
  // Journaled points found at open, replayed onto each agent's file on first use.
  readonly #pending: PendingLog

  constructor(options: RecordsOptions, pending: PendingLog, journal: JournalWriter, hooks: RecordsHooks) {
    this.#o = options
    this.#ctx = {
      dir: options.dir,
      readOnly: false,
      maxRecordBytes: options.maxRecordBytes,
      history: options.history,
      dirHandle: options.dirHandle,
      turns: options.turns,
      reads: options.reads,
    }
    this.#pending = pending
    this.#journal = journal
    this.#hooks = hooks
    this.#cache = new RecordCache<Entry>(options.cacheIdleMs, hooks.keepIdle)
  }

  get size(): number {
    return this.#cache.size
  }

  start(): void {
    this.#cache.start()
  }

  stop(): void {
    this.#cache.stop()
  }

  /** Runs `task` under the agent's queue; the corrupt files it found are reported once it settled. */
  async run<T>(id: string, task: (corrupt: CorruptEvent[]) => Promise<T>): Promise<T> {
    const corrupt: CorruptEvent[] = []
    try {
      return await this.#queue.run(id, () => task(corrupt))
    } finally {
      for (const event of corrupt) this.#o.emit('corrupt', event)
    }
  }

  /** Whether an operation of the agent is queued or running. */
  busy(id: string): boolean {
    return this.#queue.busy(id)
  }

  /** The agent's entry if in memory (touched: it stays cached). */
  cached(id: string): Entry | undefined {
    return this.#cache.get(id)
  }

  /** The agent's entry if in memory, without touching it. */
  peek(id: string): Entry | undefined {
    return this.#cache.peek(id)
  }

  /** Whether the journal holds points of an agent not loaded yet. */
  journaled(id: string): boolean {
    return this.#pending.has(id)
  }

  /** Runs a write of the agent's file after those queued before it. */
  writeFile<T>(id: string, write: () => Promise<T>): Promise<T> {
    return this.#files.run(id, write)
  }

  /**
   * The agent's entry, loaded on first use (run it under the agent's queue): its file, plus the
   * journal's points the file lacks. A fresh entry (no file, nothing journaled) does not exist
   * until something is written to it.
   */
  async entry(id: string, corrupt: CorruptEvent[]): Promise<Entry> {
    const cached = this.#cache.get(id)
    if (cached !== undefined) return cached
    const { record } = await loadFile(this.#ctx, id, corrupt)
    const fromFile = record !== undefined && record.journalLsn >= this.#pending.tombstone(id)
    // A file older than the agent's deletion: the crash came between tombstone and unlink.
    if (record !== undefined && !fromFile) await this.removeFile(id)
    const file = fromFile ? record : undefined
    // Replaying the journal's points (checkpointEvery of them at most, by default) is a heavy step
    // of its own: in the parse's turn, a thousand first loads after open() stalled the loop.
    if (!this.#pending.has(id)) return this.#loaded(id, file)
    return this.#o.turns.run(() => this.#loaded(id, file))
  }

  /** The entry of a loaded agent: its file (undefined: none, or older than its deletion) plus the journal's points it lacks. */
  #loaded(id: string, record: DecodedRecord | undefined): Entry {
    const journaled = this.#pending.take(id)
    const tombstone = journaled?.tombstone ?? 0
    const fromFile = record !== undefined
    let meta: AgentMetadata
    let lsn: number
    if (fromFile) {
      meta = record.meta
      lsn = record.journalLsn
      // The journal may have restarted after a clean close: new records must still come after this file.
      this.#journal.bump(lsn)
    } else {
      meta = freshMetadata(id, this.#o.history, Date.now())
      // A file written for it later must say it comes after any tombstone of the id.
      lsn = this.#journal.lastLsn
    }
    // Journaled points after what the file (or, without one, the last deletion) covers.
    const base = fromFile ? lsn : tombstone
    const entry: Entry = {
      meta,
      exists: fromFile,
      lsn,
      dirtyFrom: Number.POSITIVE_INFINITY,
      sinceFile: 0,
      budget: this.#o.checkpointEvery - checkpointOffset(id, this.#o.checkpointEvery),
      tentative: Number.NEGATIVE_INFINITY,
      reserved: 0,
      inflight: undefined,
    }
    for (const { lsn: pointLsn, point } of journaled?.points ?? []) {
      if (pointLsn <= base) continue
      try {
        // Decoded by the store's own series, which its histories are made with.
        meta.resourceUsage.add(point as unknown as ResourceDataPoint)
      } catch {
        // A point the file already moved past (a hand-edited file): the file wins.
        continue
      }
      entry.exists = true
      if (!isDirty(entry)) entry.dirtyFrom = pointLsn
      entry.lsn = Math.max(entry.lsn, pointLsn)
      entry.sinceFile++
    }
    entry.tentative = newestTimestamp(meta)
    this.#cache.set(id, entry)
    if (entry.sinceFile >= entry.budget) this.#hooks.due(id)
    return entry
  }

  /** Forgets the agent (deleted); returns whether it had points in memory or in the journal. */
  forget(id: string): boolean {
    const entry = this.#cache.peek(id)
    this.#cache.delete(id)
    const journaled = this.#pending.take(id)?.points.length ?? 0
    return entry?.exists === true || journaled > 0
  }

  /** Unlinks `<id>.json` (after the agent's queued file writes) and fsyncs the directory; false when there was none. */
  removeFile(id: string): Promise<boolean> {
    const path = recordPath(this.#o.dir, id)
    return this.#files.run(id, async () => {
      try {
        await unlink(path)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
        throw new StoreIOError({ path, operation: 'delete', cause: error })
      }
      if (this.#o.dirHandle !== undefined) await syncDir(this.#o.dirHandle, path)
      return true
    })
  }

  /** Ids with a record: files in `names`, agents so far only in the journal, and those in memory. */
  ids(names: readonly string[]): Set<string> {
    const ids = new Set<string>()
    for (const name of names) if (name.endsWith('.json')) ids.add(name.slice(0, -5))
    for (const id of this.#pending.ids()) ids.add(id)
    for (const [id, entry] of this.#cache.entries()) if (entry.exists) ids.add(id)
    return ids
  }

  /** Agents the journal holds a tombstone of (open() finishes their deletes). */
  tombstoned(): string[] {
    return [...this.#pending.tombstoned()]
  }

  /** Agents whose files lack journaled points: in memory, or not loaded yet. */
  *dirty(): IterableIterator<string> {
    for (const [id, entry] of this.#cache.entries()) if (isDirty(entry)) yield id
    yield* this.#pending.ids()
  }

  /** The smallest LSN a file still lacks (Infinity when none): the journal must keep it. */
  oldestNeeded(): number {
    let oldest = this.#pending.oldestLsn()
    for (const [, entry] of this.#cache.entries()) if (entry.dirtyFrom < oldest) oldest = entry.dirtyFrom
    return oldest
  }

  /** Agents holding a point with an LSN of at most `lsn`; with `idleBefore`, only those with none from it on. */
  *holding(lsn: number, idleBefore = Number.POSITIVE_INFINITY): IterableIterator<string> {
    for (const [id, entry] of this.#cache.entries()) {
      if (entry.dirtyFrom <= lsn && entry.lsn < idleBefore) yield id
    }
    const holding = new Set(this.#pending.holding(lsn))
    for (const id of this.#pending.idleBefore(idleBefore)) if (holding.has(id)) yield id
  }
}
