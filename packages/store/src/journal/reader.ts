import { readdir } from 'node:fs/promises'
import { NotRegularFileError, StoreIOError } from '../errors.js'
import type { Series } from '../history/series.js'
import { PendingLog } from './pending.js'
import { scanSegment } from './scan.js'
import { openSegment, segmentsIn } from './segment.js'

interface Progress {
  /** The file read: a segment removed and created again under the same name is another file. */
  readonly ino: number
  /** End of the last complete record read. */
  offset: number
  lastLsn: number
  /** Size at which a damaged record stopped the scan: not read again until the segment changes. */
  stuckAt: number
}

/**
 * A read-only store's view of the journal, kept up to date incrementally: each refresh reads only
 * the bytes appended since the last one. An incomplete record at a tail is a write under way (read
 * next time); a segment that disappeared (its records are in the files now), shrank (a writer
 * cut a failed commit back) or was replaced by a new file of the same name is forgotten and, if
 * still there, read again from the start.
 */
export class JournalReader {
  readonly #dir: string
  readonly #progress = new Map<number, Progress>()
  readonly log: PendingLog
  readonly #series: Series

  constructor(dir: string, series: Series) {
    this.#dir = dir
    this.#series = series
    this.log = new PendingLog(series)
  }

  /** Brings `log` up to what the segments hold now; returns the directory's names it listed. */
  async refresh(): Promise<string[]> {
    let names: string[]
    try {
      names = await readdir(this.#dir)
    } catch (cause) {
      throw new StoreIOError({ path: this.#dir, operation: 'list', cause })
    }
    const listed = segmentsIn(this.#dir, names)
    const present = new Set(listed.map((s) => s.seq))
    for (const seq of this.#progress.keys()) if (!present.has(seq)) this.#forget(seq)
    for (const { seq, path } of listed) await this.#read(seq, path)
    return names
  }

  async #read(seq: number, path: string): Promise<void> {
    let handle: Awaited<ReturnType<typeof openSegment>>
    try {
      handle = await openSegment(path)
    } catch (cause) {
      // A link or special file at a segment's name is never followed; the writer sets it aside.
      if (cause instanceof NotRegularFileError) return
      throw new StoreIOError({ path, operation: 'read the journal segment', cause })
    }
    if (handle === undefined) return this.#forget(seq)
    try {
      const { size, ino } = await handle.stat()
      let progress = this.#progress.get(seq)
      // Shrunk (a writer cut a failed commit back) or replaced (every segment was deleted, and a
      // writer opened later numbered its first one the same): read it again from the start.
      if (progress !== undefined && (size < progress.offset || ino !== progress.ino)) {
        this.#forget(seq)
        progress = undefined
      }
      for (;;) {
        if (progress === undefined) {
          progress = { ino, offset: 0, lastLsn: 0, stuckAt: -1 }
          this.#progress.set(seq, progress)
        }
        if (size === progress.offset || size === progress.stuckAt) return
        const from = progress.offset
        const scan = await scanSegment(this.#series, handle, from, size, progress.lastLsn, (record) =>
          this.log.add(record, seq),
        )
        progress.offset = scan.end
        progress.lastLsn = scan.lastLsn
        progress.stuckAt = scan.stop.kind === 'corrupt' ? size : -1
        // Damage right where the last read ended: no writer appends that, but a new file under the
        // old name (its inode number reused) reads so. Read it once more from the start.
        if (scan.stop.kind !== 'corrupt' || scan.end !== from || from === 0) return
        this.#forget(seq)
        progress = undefined
      }
    } catch (cause) {
      throw new StoreIOError({ path, operation: 'read the journal segment', cause })
    } finally {
      await handle.close().catch(() => undefined)
    }
  }

  #forget(seq: number): void {
    this.#progress.delete(seq)
    this.log.forget(seq)
  }
}
