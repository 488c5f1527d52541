import type { FileHandle } from 'node:fs/promises'
import { unlink } from 'node:fs/promises'
import { CheckpointScheduler } from '../checkpoint/scheduler.js'
import { checkpointOffset } from '../checkpoint/stagger.js'
import {
  InvalidOptionError,
  OutOfOrderPointError,
  RecordTooLargeError,
  StoreError,
  StoreIOError,
} from '../errors.js'
import { copyPoint, validatePoint } from '../history/fields.js'
import type { PendingLog } from '../journal/pending.js'
import { recoverJournal } from '../journal/replay.js'
import { JournalWriter, type SegmentInfo } from '../journal/writer.js'
import type { HistoryOptions, ResourceDataPoint } from '../types.js'
import { assertAgentId } from './agent-id.js'
import { writeFileAtomic } from './atomic-write.js'
import { checkedRecord } from './checked.js'
import { syncDir } from './dir-sync.js'
import { type Entry, isDirty, newestTimestamp, settledOf } from './entry.js'
import { cloneMetadata, encodeMetadata, freshMetadata } from './format.js'
import { KeyedQueue } from './keyed-queue.js'
import { type LoadContext, loadFile, recordPath } from './load.js'
import type {
  AgentMetadata,
  AppendEntry,
  AppendFailure,
  AppendManyResult,
  CorruptEvent,
  StoreEvents,
} from './metadata.js'
import { RecordCache } from './record-cache.js'
import type { Turns } from './turns.js'

/** Checkpoints in flight at most, started together after a commit: a tick's fsyncs are 1 + this + 1 (the directory). */
export const CHECKPOINT_BATCH = 4
/** A journal longer than this many segments makes the agents holding the oldest one checkpoint, whatever their count. */
export const MAX_JOURNAL_SEGMENTS = 64

export interface WriterOptions {
  readonly dir: string
  readonly fsync: boolean
  readonly history: HistoryOptions
  readonly maxRecordBytes: number
  readonly cacheIdleMs: number
  readonly checkpointEvery: number
  readonly segmentBytes: number
  readonly dirHandle: FileHandle | undefined
  readonly turns: Turns
  readonly emit: <E extends keyof StoreEvents>(event: E, ...args: StoreEvents[E]) => void
}

interface Accepted {
  readonly index: number
  readonly id: string
  readonly point: ResourceDataPoint
  readonly entry: Entry
}

/**
 * The writer's records: each agent's file plus the journal's points for it. Appends are
 * validated against the record, journaled (group commit), and applied to memory only once
 * durable; files are rewritten as checkpoints (staggered, paced) and by metadata writes.
 */
export class JournaledWriter {
  readonly #o: WriterOptions
  readonly #ctx: LoadContext
  readonly #queue = new KeyedQueue()
  // File writes of one agent (checkpoints, metadata writes, delete) land in the order their snapshots were taken.
  readonly #files = new KeyedQueue()
  readonly #cache: RecordCache<Entry>
  // Journaled points found at open, replayed onto each agent's file on first use.
  readonly #pending: PendingLog
  readonly #journal: JournalWriter
  readonly #scheduler: CheckpointScheduler
  // Calls waiting for an agent's queue before they can submit, and the last one's turn to submit.
  #waiting = 0
  #turn: Promise<void> = Promise.resolve()

  private constructor(options: WriterOptions, pending: PendingLog, segments: SegmentInfo[], lastLsn: number) {
    this.#o = options
    this.#ctx = {
      dir: options.dir,
      readOnly: false,
      maxRecordBytes: options.maxRecordBytes,
      history: options.history,
      dirHandle: options.dirHandle,
      turns: options.turns,
    }
    this.#pending = pending
    this.#cache = new RecordCache<Entry>(options.cacheIdleMs, (id, entry) => this.#keepIdle(id, entry))
    this.#scheduler = new CheckpointScheduler(CHECKPOINT_BATCH, (ids) => this.#checkpoint(ids))
    this.#journal = new JournalWriter(
      {
        dir: options.dir,
        fsync: options.fsync,
        segmentBytes: options.segmentBytes,
        dirHandle: options.dirHandle,
        onRoll: (closed) => this.#rolled(closed),
        onCommit: () => this.#scheduler.committed(),
      },
      segments,
      lastLsn,
    )
  }

  /** Recovers the journal in `names` (cutting damaged tails, reported through `emit`) and finishes deletes it recorded. */
  static async open(options: WriterOptions, names: readonly string[]): Promise<JournaledWriter> {
    const recovered = await recoverJournal(options.dir, names, options.dirHandle, options.fsync)
    const writer = new JournaledWriter(options, recovered.pending, recovered.segments, recovered.lastLsn)
    for (const event of recovered.truncated) options.emit('journal:truncated', event)
    // A crash between a tombstone and its unlink left a file that predates its own deletion.
    for (const id of [...recovered.pending.tombstoned()])
      await writer.#run(id, (corrupt) => writer.#entry(id, corrupt))
    writer.#cache.start()
    return writer
  }

  get cachedRecords(): number {
    return this.#cache.size
  }

  get(id: string): Promise<AgentMetadata | undefined> {
    return this.#run(id, async (corrupt) => {
      const entry = await this.#entry(id, corrupt)
      // Reads see the appends called before them.
      await settledOf(entry.inflight)
      return entry.exists ? cloneMetadata(entry.meta) : undefined
    })
  }

  /** Writes `meta` (a copy the caller made) as the agent's whole record: metadata and history. */
  save(meta: AgentMetadata): Promise<void> {
    return this.#run(meta.id, async (corrupt) => {
      // Also refuses to overwrite a file from a newer release.
      const entry = await this.#entry(meta.id, corrupt)
      await settledOf(entry.inflight)
      await this.#writeRecord(
        entry,
        checkedRecord(meta, meta.id, entry.exists ? entry.meta.resourceUsage : undefined, this.#o.history),
      )
    })
  }

  // biome-ignore lint/suspicious/noConfusingVoidType: `fn` may mutate in place and return nothing.
  update(id: string, fn: (meta: AgentMetadata) => AgentMetadata | void): Promise<AgentMetadata> {
    return this.#run(id, async (corrupt) => {
      const entry = await this.#entry(id, corrupt)
      // The draft must hold every point already acknowledged, or writing it would drop them.
      await settledOf(entry.inflight)
      const draft = entry.exists ? cloneMetadata(entry.meta) : freshMetadata(id, this.#o.history, Date.now())
      const next = checkedRecord(fn(draft) ?? draft, id, draft.resourceUsage, this.#o.history)
      await this.#writeRecord(entry, next)
      return cloneMetadata(next)
    })
  }

  /** Journals a tombstone (when the journal may hold points of `id`), then removes the file. */
  delete(id: string): Promise<boolean> {
    return this.#run(id, async () => {
      const entry = this.#cache.peek(id)
      await settledOf(entry?.inflight)
      // With no segment on disk no point of the agent can be replayed: the unlink is enough.
      if (this.#journal.segments.length > 0) await this.#journal.tombstone(id, () => undefined)
      this.#cache.delete(id)
      this.#scheduler.forget(id)
      const journaled = this.#pending.take(id)?.points.length ?? 0
      const path = recordPath(this.#o.dir, id)
      const removed = await this.#files.run(id, async () => {
        try {
          await unlink(path)
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
          throw new StoreIOError({ path, operation: 'delete', cause: error })
        }
        if (this.#o.dirHandle !== undefined) await syncDir(this.#o.dirHandle, path)
        return true
      })
      return removed || entry?.exists === true || journaled > 0
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

  /**
   * One point: `appendMany` of one entry, minus its bookkeeping when the agent's record is in memory
   * and nothing is queued before it (the common case: a monitor's tick calls this per agent). Rejects
   * with the entry's error.
   */
  appendOne(id: string, point: ResourceDataPoint): Promise<void> {
    validatePoint(point)
    const entry = this.#queue.busy(id) || this.#waiting > 0 ? undefined : this.#cache.get(id)
    if (entry === undefined) {
      return this.appendMany([{ id, point }]).then(({ failed }) => {
        if (failed.length > 0) throw failed[0]!.error
      })
    }
    if (point.timestamp < entry.tentative) {
      throw new OutOfOrderPointError({ timestamp: point.timestamp, latestTimestamp: entry.tentative })
    }
    const accepted: Accepted = { index: 0, id, entry, point: copyPoint(point) }
    entry.tentative = point.timestamp
    entry.reserved++
    const committed = this.#journal.append(
      [accepted],
      (lsn) => this.#apply(accepted, lsn),
      () => this.#release(entry),
    )
    entry.inflight = committed
    return committed
  }

  /**
   * Validates every entry against its agent's record, journals the accepted points as one record
   * (one write, one fsync, shared with whatever else is queued) and applies them once durable.
   * Refused entries are listed; only a failed journal write rejects (then nothing was appended).
   * An agent whose record is in memory and has nothing queued is taken at once, in the caller's
   * turn (a tick's thousand calls cost no promise chain each); others wait in the agent's queue.
   */
  appendMany(entries: readonly AppendEntry[]): Promise<AppendManyResult> {
    const failed: AppendFailure[] = []
    const accepted: Accepted[] = []
    const corrupt: CorruptEvent[] = []
    let settle!: () => void
    const settled = new Promise<void>((resolve) => {
      settle = resolve
    })
    const slow: Promise<void>[] = []
    for (let index = 0; index < entries.length; index++) {
      const item = entries[index]
      const id = (item as AppendEntry | null)?.id
      try {
        if (item === null || typeof item !== 'object') {
          throw new InvalidOptionError({
            option: `entries[${index}]`,
            expected: 'an { id, point } object',
            value: item,
          })
        }
        assertAgentId(id)
      } catch (error) {
        failed.push({ index, id: String(id), error: error as Error })
        continue
      }
      try {
        validatePoint(item.point)
      } catch (error) {
        failed.push({ index, id, error: error as Error })
        continue
      }
      // What was validated is what gets journaled and applied, whatever the caller does to its object later.
      const point = copyPoint(item.point)
      const ready = this.#queue.busy(id) ? undefined : this.#cache.get(id)
      if (ready !== undefined) {
        this.#accept({ index, id, entry: ready, point }, settled, accepted, failed)
        continue
      }
      slow.push(
        this.#queue.run(id, async () => {
          let entry: Entry
          try {
            entry = await this.#entry(id, corrupt)
          } catch (error) {
            failed.push({ index, id, error: error as Error })
            return
          }
          this.#accept({ index, id, entry, point }, settled, accepted, failed)
        }),
      )
    }
    const submit = (): Promise<void> | undefined => {
      if (accepted.length === 0) return undefined
      accepted.sort((a, b) => a.index - b.index)
      return this.#journal.append(
        accepted,
        (lsn) => {
          for (const a of accepted) this.#apply(a, lsn)
        },
        () => {
          for (const { entry } of accepted) this.#release(entry)
        },
      )
    }
    let committed: Promise<void> | undefined
    if (slow.length === 0 && this.#waiting === 0) {
      try {
        committed = submit()
      } catch (error) {
        committed = Promise.reject(error)
      }
    } else committed = this.#inTurn(slow, submit)
    return this.#settle(committed, accepted, failed, corrupt, settle)
  }

  /**
   * Submits a call's points to the journal only after every earlier call submitted its own: a later
   * call's point for an agent (validated after an earlier one still loading) must not commit first.
   */
  #inTurn(slow: Promise<void>[], submit: () => Promise<void> | undefined): Promise<void> {
    this.#waiting++
    const previous = this.#turn
    const handoff = Promise.all(slow)
      .then(() => previous)
      .then(() => ({ commit: submit() }))
      .finally(() => {
        this.#waiting--
      })
    this.#turn = handoff.then(
      () => undefined,
      () => undefined,
    )
    return handoff.then((h) => h.commit)
  }

  async #settle(
    committed: Promise<void> | undefined,
    accepted: Accepted[],
    failed: AppendFailure[],
    corrupt: CorruptEvent[],
    settle: () => void,
  ): Promise<AppendManyResult> {
    try {
      await committed
      failed.sort((a, b) => a.index - b.index)
      return { appended: accepted.length, failed }
    } finally {
      settle()
      for (const event of corrupt) this.#o.emit('corrupt', event)
    }
  }

  /**
   * Waits for the work under way, checkpoints every agent the files lack points of, and (when all
   * are checkpointed) deletes the journal: a clean close leaves only the files.
   */
  async close(): Promise<void> {
    await this.#journal.idle()
    await this.#scheduler.idle()
    for (const [id, entry] of this.#cache.entries()) if (isDirty(entry)) this.#scheduler.urgent(id)
    for (const id of this.#pending.ids()) this.#scheduler.urgent(id)
    await this.#scheduler.drain()
    let clean = this.#pending.oldestLsn() === Number.POSITIVE_INFINITY
    for (const [, entry] of this.#cache.entries()) if (isDirty(entry)) clean = false
    await this.#journal.close(clean)
    this.#cache.stop()
  }

  /** Checks a valid point's order against the record and the points already accepted for it. */
  #accept(
    candidate: { index: number; id: string; entry: Entry; point: ResourceDataPoint },
    settled: Promise<void>,
    accepted: Accepted[],
    failed: AppendFailure[],
  ): void {
    const { index, id, entry, point } = candidate
    if (point.timestamp < entry.tentative) {
      const error = new OutOfOrderPointError({ timestamp: point.timestamp, latestTimestamp: entry.tentative })
      failed.push({ index, id, error })
      return
    }
    entry.tentative = point.timestamp
    entry.reserved++
    entry.inflight = settled
    accepted.push(candidate)
  }

  /** A committed point reaches memory (the journal called back: it is durable). */
  #apply({ id, point, entry }: Accepted, lsn: number): void {
    entry.meta.resourceUsage.add(point)
    entry.meta.updatedAt = Date.now()
    entry.exists = true
    if (!isDirty(entry)) entry.dirtyFrom = lsn
    entry.lsn = lsn
    entry.sinceFile++
    this.#release(entry)
    if (entry.sinceFile >= entry.budget) this.#scheduler.due(id)
  }

  #release(entry: Entry): void {
    entry.reserved--
    if (entry.reserved === 0) entry.tentative = newestTimestamp(entry.meta)
  }

  /**
   * The agent's entry, loaded on first use: its file, plus the journal's points the file lacks.
   * A fresh entry (no file, nothing journaled) does not exist until something is written to it.
   */
  async #entry(id: string, corrupt: CorruptEvent[]): Promise<Entry> {
    const cached = this.#cache.get(id)
    if (cached !== undefined) return cached
    const { record } = await loadFile(this.#ctx, id, corrupt)
    const journaled = this.#pending.take(id)
    const tombstone = journaled?.tombstone ?? 0
    let meta: AgentMetadata
    let lsn: number
    if (record !== undefined && record.journalLsn >= tombstone) {
      meta = record.meta
      lsn = record.journalLsn
      // The journal may have restarted after a clean close: new records must still come after this file.
      this.#journal.bump(lsn)
    } else {
      if (record !== undefined) await this.#unlinkRecord(id)
      meta = freshMetadata(id, this.#o.history, Date.now())
      // A file written for it later must say it comes after any tombstone of the id.
      lsn = this.#journal.lastLsn
    }
    const fromFile = record !== undefined && record.journalLsn >= tombstone
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
        meta.resourceUsage.add(point)
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
    if (entry.sinceFile >= entry.budget) this.#scheduler.due(id)
    return entry
  }

  /** Writes `next` as the agent's whole file now (it covers every point applied), then holds it. */
  async #writeRecord(entry: Entry, next: AgentMetadata): Promise<void> {
    const id = next.id
    const path = recordPath(this.#o.dir, id)
    const data = encodeMetadata(next, entry.lsn)
    if (data.length > this.#o.maxRecordBytes) {
      throw new RecordTooLargeError({
        path,
        size: data.length,
        maxRecordBytes: this.#o.maxRecordBytes,
        operation: 'write',
      })
    }
    await this.#files.run(id, () =>
      writeFileAtomic(path, data, { fsync: this.#o.fsync, dir: this.#o.dirHandle }),
    )
    entry.meta = next
    entry.exists = true
    entry.dirtyFrom = Number.POSITIVE_INFINITY
    entry.sinceFile = 0
    entry.budget = this.#o.checkpointEvery
    this.#scheduler.forget(id)
    void this.#releaseSegments()
  }

  /**
   * One batch of checkpoints: each agent's record encoded in its own event-loop turn and written
   * (temp file, fsync, rename) while the next is encoded, then one fsync of the directory for all
   * the renames; only then do the files count as covering their points, and segments go.
   */
  async #checkpoint(ids: readonly string[]): Promise<void> {
    const writes: Promise<(() => void) | undefined>[] = []
    for (const id of ids) {
      await this.#o.turns.run(() => undefined)
      try {
        const started = await this.#run(id, async (found) => {
          const entry =
            this.#cache.peek(id) ?? (this.#pending.has(id) ? await this.#entry(id, found) : undefined)
          if (entry === undefined || !isDirty(entry)) return undefined
          const snapshot = { lsn: entry.lsn, points: entry.sinceFile }
          const path = recordPath(this.#o.dir, id)
          const data = encodeMetadata(entry.meta, snapshot.lsn)
          if (data.length > this.#o.maxRecordBytes) {
            throw new RecordTooLargeError({
              path,
              size: data.length,
              maxRecordBytes: this.#o.maxRecordBytes,
              operation: 'write',
            })
          }
          const write = this.#files.run(id, () => writeFileAtomic(path, data, { fsync: this.#o.fsync }))
          return { write, done: () => this.#checkpointed(id, entry, snapshot, data.length) }
        })
        if (started !== undefined) {
          writes.push(
            started.write.then(
              () => started.done,
              (error: unknown) => this.#checkpointFailed(id, error),
            ),
          )
        }
      } catch (error) {
        this.#checkpointFailed(id, error)
      }
    }
    const done = (await Promise.all(writes)).filter((d) => d !== undefined)
    if (done.length === 0) return
    if (this.#o.fsync && this.#o.dirHandle !== undefined) {
      try {
        await syncDir(this.#o.dirHandle, this.#o.dir)
      } catch (error) {
        for (const id of ids) this.#checkpointFailed(id, error)
        return
      }
    }
    for (const d of done) d()
    await this.#releaseSegments()
  }

  #checkpointed(id: string, entry: Entry, snapshot: { lsn: number; points: number }, bytes: number): void {
    // Deleted meanwhile, or evicted and reloaded: that entry knows its own state.
    if (this.#cache.peek(id) === entry) {
      entry.sinceFile = Math.max(0, entry.sinceFile - snapshot.points)
      entry.budget = this.#o.checkpointEvery
      if (entry.lsn <= snapshot.lsn) entry.dirtyFrom = Number.POSITIVE_INFINITY
      else if (entry.dirtyFrom <= snapshot.lsn) entry.dirtyFrom = snapshot.lsn + 1
    }
    this.#o.emit('checkpoint', { id, journalLsn: snapshot.lsn, points: snapshot.points, bytes })
  }

  #checkpointFailed(id: string, cause: unknown): undefined {
    const error =
      cause instanceof StoreError
        ? cause
        : new StoreIOError({ path: recordPath(this.#o.dir, id), operation: 'checkpoint', cause })
    const entry = this.#cache.peek(id)
    // Retried after another `checkpointEvery` points, or sooner when its points hold the oldest segment.
    if (entry !== undefined) entry.budget = entry.sinceFile + this.#o.checkpointEvery
    this.#o.emit('checkpoint:failed', { id, error })
    return undefined
  }

  /** Deletes the segments no agent needs any more: every point in them is in a durable file. */
  async #releaseSegments(): Promise<void> {
    let oldest = this.#pending.oldestLsn()
    for (const [, entry] of this.#cache.entries()) if (entry.dirtyFrom < oldest) oldest = entry.dirtyFrom
    // A failed unlink leaves the segment listed; the next release tries again.
    await this.#journal.release(oldest).catch(() => undefined)
  }

  /**
   * A segment closed. Agents that appended nothing while it was written and still hold the oldest
   * segment are idle: their points would pin it forever, so they are checkpointed now. And when the
   * journal outgrows its bound, the agents holding its oldest segment are too, busy or not.
   */
  #rolled(closed: SegmentInfo): void {
    const oldest = this.#journal.segments[0]!
    for (const [id, entry] of this.#cache.entries()) {
      if (entry.dirtyFrom <= oldest.lastLsn && entry.lsn < closed.firstLsn) this.#scheduler.urgent(id)
    }
    const holding = new Set(this.#pending.holding(oldest.lastLsn))
    for (const id of this.#pending.idleBefore(closed.firstLsn))
      if (holding.has(id)) this.#scheduler.urgent(id)
    if (this.#journal.bytes <= MAX_JOURNAL_SEGMENTS * this.#o.segmentBytes) return
    for (const [id, entry] of this.#cache.entries()) {
      if (entry.dirtyFrom <= oldest.lastLsn) this.#scheduler.urgent(id)
    }
    for (const id of holding) this.#scheduler.urgent(id)
  }

  /** An idle record leaves the cache only once its file holds all its points and no commit is pending for it. */
  #keepIdle(id: string, entry: Entry): boolean {
    if (entry.reserved > 0) return true
    if (!isDirty(entry)) return false
    this.#scheduler.urgent(id)
    return true
  }

  async #unlinkRecord(id: string): Promise<void> {
    const path = recordPath(this.#o.dir, id)
    await this.#files.run(id, async () => {
      await unlink(path).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw new StoreIOError({ path, operation: 'delete', cause: error })
      })
      if (this.#o.dirHandle !== undefined) await syncDir(this.#o.dirHandle, path)
    })
  }

  /** Runs `task` under the agent's queue; the corrupt files it found are reported once it settled. */
  async #run<T>(id: string, task: (corrupt: CorruptEvent[]) => Promise<T>): Promise<T> {
    const corrupt: CorruptEvent[] = []
    try {
      return await this.#queue.run(id, () => task(corrupt))
    } finally {
      for (const event of corrupt) this.#o.emit('corrupt', event)
    }
  }
}
