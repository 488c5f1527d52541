import type { FileHandle } from 'node:fs/promises'
import { WardenError } from '@warden/utils'
import { RecordTooLargeError, type StoreError, StoreIOError } from '../errors.js'
import { writeFileAtomic } from '../file/atomic-write.js'
import { syncDir } from '../file/dir-sync.js'
import { RecordEncoding } from '../file/encoding.js'
import { type Entry, isDirty } from '../file/entry.js'
import { recordPath } from '../file/load.js'
import type { StoreEvents } from '../file/metadata.js'
import type { Records } from '../file/records.js'
import type { Turns } from '../file/turns.js'
import type { JournalWriter, SegmentInfo } from '../journal/writer.js'
import { CheckpointScheduler } from './scheduler.js'

/** Checkpoints in flight at most, started together after a commit: a tick's fsyncs are 1 + this + 1 (the directory). */
const CHECKPOINT_BATCH = 4
/** A journal longer than this many segments makes the agents holding the oldest one checkpoint, whatever their count. */
const MAX_JOURNAL_SEGMENTS = 64

export interface CheckpointerOptions {
  readonly dir: string
  readonly fsync: boolean
  readonly maxRecordBytes: number
  readonly checkpointEvery: number
  readonly segmentBytes: number
  readonly dirHandle: FileHandle | undefined
  readonly turns: Turns
  readonly emit: <E extends keyof StoreEvents>(event: E, ...args: StoreEvents[E]) => void
}

/**
 * Rewrites agents' files from memory (checkpoints) when the scheduler says, and deletes the
 * journal segments the files then cover.
 */
export class Checkpointer {
  readonly #o: CheckpointerOptions
  readonly #records: () => Records
  readonly #journal: JournalWriter
  readonly #scheduler = new CheckpointScheduler(CHECKPOINT_BATCH, (ids) => this.#batch(ids))

  /** `records` is read late: the records and the checkpointer each need the other. */
  constructor(options: CheckpointerOptions, records: () => Records, journal: JournalWriter) {
    this.#o = options
    this.#records = records
    this.#journal = journal
  }

  /** The agent's file lacks `checkpointEvery` of its points: checkpointed after a coming commit. */
  due(id: string): void {
    this.#scheduler.due(id)
  }

  /** A journal commit landed. */
  committed(): void {
    this.#scheduler.committed()
  }

  /** The agent was deleted, or its whole file just written by a metadata write. */
  forget(id: string): void {
    this.#scheduler.forget(id)
  }

  /** An idle record leaves the cache only once its file holds all its points and no commit is pending for it. */
  keepIdle(id: string, entry: Entry): boolean {
    if (entry.reserved > 0) return true
    if (!isDirty(entry)) return false
    this.#scheduler.urgent(id)
    return true
  }

  /**
   * A segment closed. Agents that appended nothing while it was written and still hold the oldest
   * segment are idle: their points would pin it forever, so they are checkpointed now. And when the
   * journal outgrows its bound, the agents holding its oldest segment are too, busy or not.
   */
  rolled(closed: SegmentInfo): void {
    const oldest = this.#journal.segments[0]!
    const over = this.#journal.bytes > MAX_JOURNAL_SEGMENTS * this.#o.segmentBytes
    const ids = this.#records().holding(oldest.lastLsn, over ? Number.POSITIVE_INFINITY : closed.firstLsn)
    for (const id of [...ids]) this.#scheduler.urgent(id)
  }

  /** Checkpoints every agent whose file lacks journaled points (for close); resolves when done. */
  async flush(): Promise<void> {
    await this.#scheduler.idle()
    for (const id of [...this.#records().dirty()]) this.#scheduler.urgent(id)
    await this.#scheduler.drain()
  }

  /** Deletes the segments no agent needs any more: every point in them is in a durable file. */
  async release(): Promise<void> {
    // A failed unlink leaves the segment listed; the next release tries again.
    await this.#journal.release(this.#records().oldestNeeded()).catch(() => undefined)
  }

  /**
   * One batch: each agent's record copied out of it at once (under its queue, so the file covers
   * exactly the points it says), then formatted over event-loop turns and written (temp file,
   * fsync, rename), the agents' files side by side; then one fsync of the directory for all the
   * renames, and only then do the files count as covering their points, and segments go.
   */
  async #batch(ids: readonly string[]): Promise<void> {
    const records = this.#records()
    const writes: Promise<(() => void) | undefined>[] = []
    for (const id of ids) {
      try {
        const started = await records.run(id, async (corrupt) => {
          const entry =
            records.peek(id) ?? (records.journaled(id) ? await records.entry(id, corrupt) : undefined)
          if (entry === undefined || !isDirty(entry)) return undefined
          const snapshot = { lsn: entry.lsn, points: entry.sinceFile }
          const encoding = new RecordEncoding(entry.meta, snapshot.lsn)
          const write = records.writeFile(id, () => this.#write(id, encoding))
          return { write, done: (bytes: number) => this.#done(id, entry, snapshot, bytes) }
        })
        if (started !== undefined) {
          writes.push(
            started.write.then(
              (bytes) => () => started.done(bytes),
              (error: unknown) => this.#failed(id, error),
            ),
          )
        }
      } catch (error) {
        this.#failed(id, error)
      }
    }
    const done = (await Promise.all(writes)).filter((d) => d !== undefined)
    if (done.length === 0) return
    if (this.#o.fsync && this.#o.dirHandle !== undefined) {
      try {
        await syncDir(this.#o.dirHandle, this.#o.dir)
      } catch (error) {
        for (const id of ids) this.#failed(id, error)
        return
      }
    }
    for (const d of done) d()
    await this.release()
  }

  /** Formats the file a step per event-loop turn, then writes it without the directory fsync; resolves with its size. */
  async #write(id: string, encoding: RecordEncoding): Promise<number> {
    while (!(await this.#o.turns.run(() => encoding.step())));
    const data = await this.#o.turns.run(() => encoding.bytes())
    const path = recordPath(this.#o.dir, id)
    if (data.length > this.#o.maxRecordBytes) {
      throw new RecordTooLargeError({
        path,
        size: data.length,
        maxRecordBytes: this.#o.maxRecordBytes,
        operation: 'write',
      })
    }
    await writeFileAtomic(path, data, { fsync: this.#o.fsync })
    return data.length
  }

  #done(id: string, entry: Entry, snapshot: { lsn: number; points: number }, bytes: number): void {
    // Deleted meanwhile, or evicted and reloaded: that entry knows its own state.
    if (this.#records().peek(id) === entry) {
      entry.sinceFile = Math.max(0, entry.sinceFile - snapshot.points)
      entry.budget = this.#o.checkpointEvery
      if (entry.lsn <= snapshot.lsn) entry.dirtyFrom = Number.POSITIVE_INFINITY
      else if (entry.dirtyFrom <= snapshot.lsn) entry.dirtyFrom = snapshot.lsn + 1
    }
    this.#o.emit('checkpoint', { id, journalLsn: snapshot.lsn, points: snapshot.points, bytes })
  }

  #failed(id: string, cause: unknown): undefined {
    const error =
      cause instanceof WardenError
        ? (cause as StoreError)
        : new StoreIOError({ path: recordPath(this.#o.dir, id), operation: 'checkpoint', cause })
    const entry = this.#records().peek(id)
    // Retried after another `checkpointEvery` points, or sooner when its points hold the oldest segment.
    if (entry !== undefined) entry.budget = entry.sinceFile + this.#o.checkpointEvery
    this.#o.emit('checkpoint:failed', { id, error })
    return undefined
  }
}
