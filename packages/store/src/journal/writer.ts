import { type FileHandle, unlink } from 'node:fs/promises'
import { InvalidOptionError, StoreIOError } from '../errors.js'
import { writeAll } from '../file/atomic-write.js'
import { syncDir } from '../file/dir-sync.js'
import type { Series } from '../history/series.js'
import { FRAME_HEADER_BYTES, MAX_PAYLOAD_BYTES, SEGMENT_MAGIC, sealFrame } from './frame.js'
import {
  type JournalEntry,
  pointsRecordSize,
  tombstoneRecordSize,
  writePointsRecord,
  writeTombstoneRecord,
} from './record.js'
import { createSegment, segmentPath } from './segment.js'

/** Points applied (and their appends resolved) per event-loop turn once a commit is durable. */
const SETTLE_SLICE = 256

/** A segment's place in the journal. */
export interface SegmentInfo {
  readonly seq: number
  readonly path: string
  /** Bytes, header included. */
  size: number
  /** LSN of its first and last record; Infinity and 0 while it holds none. */
  firstLsn: number
  lastLsn: number
}

interface Waiter {
  /**
   * Called once the record is written (and fsynced), per entry (`index`; 0 for a tombstone), before
   * the promise resolves: memory follows disk.
   */
  readonly apply: (lsn: number, index: number) => void
  /** Called when the record could not be written, before the promise rejects. */
  readonly fail: (() => void) | undefined
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}
type Item =
  | (Waiter & { readonly kind: 'points'; readonly entries: readonly JournalEntry[]; readonly size: number })
  | (Waiter & { readonly kind: 'tombstone'; readonly id: string })

interface Active {
  readonly info: SegmentInfo
  readonly handle: FileHandle
  /** Its directory entry is not yet fsynced. */
  fresh: boolean
}

export interface JournalWriterOptions {
  readonly dir: string
  /** The columns a point record holds. */
  readonly series: Series
  readonly fsync: boolean
  readonly segmentBytes: number
  readonly dirHandle: FileHandle | undefined
  /** A segment stopped taking records (it rolled), so the store can checkpoint agents idle since it began. */
  readonly onRoll: (closed: SegmentInfo) => void
  /** A commit landed (after its records were applied): where paced checkpoints start. */
  readonly onCommit: () => void
}

/**
 * The append-only journal: group commit (everything submitted while a commit is in flight goes
 * into the next one: one write, one fsync), segments rolled at `segmentBytes`, a failed write
 * cut back so no garbage hides later records, and segments deleted once the files cover them.
 */
export class JournalWriter {
  readonly #options: JournalWriterOptions
  readonly #closed: SegmentInfo[]
  #queue: Item[] = []
  #active: Active | undefined
  #committing: Promise<void> | undefined
  #scheduled = false
  #nextLsn: number
  #nextSeq: number
  // After a failed fsync (or a cut that failed) the segment's bytes are never written again: a reader may have read them.
  #mustRoll = false
  #releasing: Promise<void> = Promise.resolve()

  /** `existing`: the segments found at open (all closed: new records go to a fresh one), oldest first. */
  constructor(options: JournalWriterOptions, existing: SegmentInfo[], lastLsn: number) {
    this.#options = options
    this.#closed = existing
    this.#nextLsn = lastLsn + 1
    this.#nextSeq = (existing.at(-1)?.seq ?? 0) + 1
  }

  /** The last LSN handed out (0 before any). */
  get lastLsn(): number {
    return this.#nextLsn - 1
  }

  /** Makes every later LSN greater than `lsn` (a file loaded from an earlier run covers up to it). */
  bump(lsn: number): void {
    if (lsn >= this.#nextLsn) this.#nextLsn = lsn + 1
  }

  /** Segments on disk, oldest first (the one being written last). */
  get segments(): readonly SegmentInfo[] {
    return this.#active === undefined ? this.#closed : [...this.#closed, this.#active.info]
  }

  get bytes(): number {
    let total = this.#active?.info.size ?? 0
    for (const s of this.#closed) total += s.size
    return total
  }

  /**
   * Journals `entries` as one record; resolves once it is durable, after `apply(lsn, index)` for
   * each entry (in slices of 256 entries a turn, a whole tick's batch included); `fail()` runs
   * before a rejection.
   */
  append(
    entries: readonly JournalEntry[],
    apply: (lsn: number, index: number) => void,
    fail?: () => void,
  ): Promise<void> {
    const size = pointsRecordSize(this.#options.series, entries)
    if (size > MAX_PAYLOAD_BYTES) {
      throw new InvalidOptionError({
        option: 'entries',
        value: entries.length,
        message: `A batch of ${entries.length} points makes a journal record of ${size} bytes, more than ${MAX_PAYLOAD_BYTES}; split it`,
      })
    }
    return this.#submit((resolve, reject) => ({
      kind: 'points',
      entries,
      size,
      apply,
      fail,
      resolve,
      reject,
    }))
  }

  /** Journals the deletion of `id`, so a replay does not bring back its earlier points. */
  tombstone(id: string, apply: (lsn: number) => void): Promise<void> {
    return this.#submit((resolve, reject) => ({
      kind: 'tombstone',
      id,
      apply,
      fail: undefined,
      resolve,
      reject,
    }))
  }

  /** Resolves when every record submitted so far has been committed or failed. */
  async idle(): Promise<void> {
    while (this.#committing !== undefined || this.#queue.length > 0) {
      await (this.#committing ?? new Promise((resolve) => setImmediate(resolve)))
    }
  }

  /** Deletes the closed segments whose records all have LSNs below `minLsn` (the files cover them), oldest first. */
  release(minLsn: number): Promise<void> {
    const run = this.#releasing.then(() => this.#release(minLsn))
    this.#releasing = run.catch(() => undefined)
    return run
  }

  /**
   * Waits for the commits under way and closes the segment being written. With `removeAll`
   * (every record is in the files) the journal is deleted; else an empty segment is.
   */
  async close(removeAll: boolean): Promise<void> {
    await this.idle()
    await this.#releasing
    const active = this.#active
    this.#active = undefined
    if (active !== undefined) {
      await active.handle.close().catch(() => undefined)
      if (removeAll || active.info.lastLsn === 0) await unlinkQuietly(active.info.path)
      else this.#closed.push(active.info)
    }
    if (removeAll) {
      for (const segment of this.#closed.splice(0)) await unlinkQuietly(segment.path)
    }
    if (this.#options.fsync && this.#options.dirHandle !== undefined) {
      await syncDir(this.#options.dirHandle, this.#options.dir)
    }
  }

  #submit(make: (resolve: () => void, reject: (error: unknown) => void) => Item): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push(make(resolve, reject))
      this.#schedule()
    })
  }

  // The first commit waits one macrotask: calls made in the same tick (a monitor's loop over its agents) share it.
  #schedule(): void {
    if (this.#scheduled || this.#committing !== undefined) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      this.#committing = this.#drain().finally(() => {
        this.#committing = undefined
        if (this.#queue.length > 0) this.#schedule()
      })
    })
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) await this.#commit(this.#take())
  }

  /** Everything queued, except points beyond what one record may hold (left for the next commit). */
  #take(): Item[] {
    let points = 0
    let i = 0
    for (; i < this.#queue.length; i++) {
      const item = this.#queue[i]!
      if (item.kind !== 'points') continue
      if (points > 0 && points + item.size > MAX_PAYLOAD_BYTES) break
      points += item.size
    }
    return this.#queue.splice(0, i)
  }

  async #commit(items: Item[]): Promise<void> {
    const points = items.filter((item) => item.kind === 'points')
    const tombstones = items.filter((item) => item.kind === 'tombstone')
    const entries = points.length === 1 ? points[0]!.entries : points.flatMap((item) => item.entries)
    const sizes = tombstones.map((item) => tombstoneRecordSize(item.id))
    if (points.length > 0) sizes.unshift(pointsRecordSize(this.#options.series, entries))
    const recordsBytes = sizes.reduce((sum, size) => sum + FRAME_HEADER_BYTES + size, 0)
    let active: Active
    try {
      active = await this.#segmentFor(recordsBytes)
    } catch (error) {
      for (const item of items) fail(item, error)
      return
    }
    const info = active.info
    const header = info.size === 0 ? SEGMENT_MAGIC.length : 0
    const buf = Buffer.allocUnsafe(header + recordsBytes)
    SEGMENT_MAGIC.copy(buf, 0, 0, header)
    let offset = header
    const firstLsn = this.#nextLsn
    const pointsLsn = points.length > 0 ? this.#nextLsn++ : 0
    if (points.length > 0) {
      const end = writePointsRecord(
        this.#options.series,
        buf,
        offset + FRAME_HEADER_BYTES,
        pointsLsn,
        entries,
      )
      offset = sealFrame(buf, offset, end - offset - FRAME_HEADER_BYTES)
    }
    const tombstoneLsns = tombstones.map((item) => {
      const lsn = this.#nextLsn++
      const end = writeTombstoneRecord(buf, offset + FRAME_HEADER_BYTES, lsn, item.id)
      offset = sealFrame(buf, offset, end - offset - FRAME_HEADER_BYTES)
      return lsn
    })
    let operation = 'write the journal segment'
    try {
      await writeAll(active.handle, buf, info.size)
      operation = 'fsync the journal segment'
      if (this.#options.fsync) await active.handle.datasync()
      if (active.fresh && this.#options.fsync && this.#options.dirHandle !== undefined) {
        operation = 'fsync the directory of the journal segment'
        await syncDir(this.#options.dirHandle, info.path)
      }
    } catch (cause) {
      await this.#cutBack(active, operation !== 'write the journal segment')
      const error =
        cause instanceof StoreIOError ? cause : new StoreIOError({ path: info.path, operation, cause })
      for (const item of items) fail(item, error)
      return
    }
    active.fresh = false
    info.size += buf.length
    if (info.lastLsn === 0) info.firstLsn = firstLsn
    info.lastLsn = this.#nextLsn - 1
    let applied = 0
    for (const item of points) {
      for (let i = 0; i < item.entries.length; i++) {
        applyEntry(item, pointsLsn, i)
        // Settled in slices, within a batch too (a 1000-point tick applied at once held the loop
        // ~6-19 ms): callers' continuations and other work run between turns.
        if (++applied >= SETTLE_SLICE) {
          applied = 0
          await new Promise((resolve) => setImmediate(resolve))
        }
      }
      item.resolve()
    }
    for (const [i, item] of tombstones.entries()) {
      applyEntry(item, tombstoneLsns[i]!, 0)
      item.resolve()
    }
    this.#options.onCommit()
  }

  /**
   * Removes what a failed commit left after the last good record, so no torn frame hides later
   * ones. After a failed fsync the segment is also retired: its bytes were written, a reader may
   * have read them, and they must never be rewritten with something else at the same offset.
   */
  async #cutBack(active: Active, retire: boolean): Promise<void> {
    try {
      await active.handle.truncate(active.info.size)
    } catch {
      this.#mustRoll = true
    }
    if (retire) this.#mustRoll = true
  }

  /** The segment the next `bytes` go to: rolls when they would pass `segmentBytes`, creates one when there is none. */
  async #segmentFor(bytes: number): Promise<Active> {
    const active = this.#active
    if (active !== undefined) {
      const full =
        active.info.size > SEGMENT_MAGIC.length && active.info.size + bytes > this.#options.segmentBytes
      if (!full && !this.#mustRoll) return active
      this.#active = undefined
      this.#mustRoll = false
      await active.handle.close().catch(() => undefined)
      if (active.info.lastLsn === 0) await unlinkQuietly(active.info.path)
      else {
        this.#closed.push(active.info)
        this.#options.onRoll(active.info)
      }
    }
    for (let attempt = 1; ; attempt++) {
      const seq = this.#nextSeq++
      const path = segmentPath(this.#options.dir, seq)
      try {
        const handle = await createSegment(path)
        this.#active = {
          info: { seq, path, size: 0, firstLsn: Number.POSITIVE_INFINITY, lastLsn: 0 },
          handle,
          fresh: true,
        }
        return this.#active
      } catch (cause) {
        // Something planted at the name (a link, a file): never touched, the next name is taken.
        if ((cause as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 10) continue
        throw new StoreIOError({ path, operation: 'create the journal segment', cause })
      }
    }
  }

  async #release(minLsn: number): Promise<void> {
    let removed = false
    while (this.#closed.length > 0 && this.#closed[0]!.lastLsn < minLsn) {
      const segment = this.#closed[0]!
      try {
        await unlink(segment.path)
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') {
          throw new StoreIOError({ path: segment.path, operation: 'delete the journal segment', cause })
        }
      }
      this.#closed.shift()
      removed = true
    }
    // A deleted segment must not come back after a power cut without the one holding a later tombstone.
    if (removed && this.#options.fsync && this.#options.dirHandle !== undefined) {
      await syncDir(this.#options.dirHandle, this.#options.dir)
    }
  }
}

/**
 * The record is durable: apply an entry of it. A throwing `apply` is a bug of the caller's; it is
 * raised out of band, so it neither wedges the journal nor turns a durable write into a failure.
 */
function applyEntry(item: Item, lsn: number, index: number): void {
  try {
    item.apply(lsn, index)
  } catch (error) {
    process.nextTick(() => {
      throw error
    })
  }
}

function fail(item: Item, error: unknown): void {
  item.fail?.()
  item.reject(error)
}

async function unlinkQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => undefined)
}
