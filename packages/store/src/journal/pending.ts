import type { Series } from '../history/series.js'
import { type JournalRecord, pointAt } from './record.js'

/**
 * Rows per block. Fixed blocks, never copied: every agent gets a point per tick, so logs that grew
 * by doubling would all reallocate in the same record, a burst of megabytes a replay stalls on.
 */
const BLOCK_ROWS = 16

interface IdLog {
  readonly blocks: Float64Array[]
  count: number
  /** LSN of the newest tombstone (0: none) and the segment holding it. */
  tombstone: number
  tombstoneSeq: number
}

/** Offset of row `i` in its block; a row is [lsn, segment seq, a value per column of the series]. */
const slot = (i: number, row: number): number => (i % BLOCK_ROWS) * row
const blockOf = (log: IdLog, i: number): Float64Array => log.blocks[Math.floor(i / BLOCK_ROWS)]!

/** What the journal holds for one agent: its newest tombstone and the points written after it. */
export interface PendingPoints {
  readonly tombstone: number
  readonly points: readonly { readonly lsn: number; readonly point: Record<string, number | null> }[]
}

/**
 * The journal's records per agent, as Float64 rows (88 bytes a point, no object per point):
 * what the writer replays onto a file on first use, and what a reader adds to a file. A tombstone
 * drops the points before it (they belong to the deleted record).
 */
export class PendingLog {
  readonly #logs = new Map<string, IdLog>()
  readonly #series: Series
  readonly #row: number

  constructor(series: Series) {
    this.#series = series
    this.#row = 2 + series.columns.length
  }

  add(record: JournalRecord, seq: number): void {
    if (record.type === 'tombstone') {
      const log = this.#log(record.id)
      log.blocks.length = 0
      log.count = 0
      log.tombstone = record.lsn
      log.tombstoneSeq = seq
      return
    }
    const { ids, values, lsn } = record
    for (let i = 0; i < ids.length; i++) {
      const log = this.#log(ids[i]!)
      if (log.count % BLOCK_ROWS === 0) log.blocks.push(new Float64Array(BLOCK_ROWS * this.#row))
      const block = blockOf(log, log.count)
      const at = slot(log.count, this.#row)
      block[at] = lsn
      block[at + 1] = seq
      const perPoint = this.#row - 2
      const from = i * perPoint
      for (let c = 0; c < perPoint; c++) block[at + 2 + c] = values[from + c]!
      log.count++
    }
  }

  has(id: string): boolean {
    return this.#logs.has(id)
  }

  /** LSN of the agent's newest tombstone (0: none). */
  tombstone(id: string): number {
    return this.#logs.get(id)?.tombstone ?? 0
  }

  /** The agent's tombstone and points, oldest first; `take` also forgets them. */
  peek(id: string): PendingPoints | undefined {
    const log = this.#logs.get(id)
    if (log === undefined) return undefined
    const points = new Array<{ lsn: number; point: Record<string, number | null> }>(log.count)
    for (let i = 0; i < log.count; i++) {
      const block = blockOf(log, i)
      points[i] = {
        lsn: block[slot(i, this.#row)]!,
        point: pointAt(this.#series, block, slot(i, this.#row) + 2),
      }
    }
    return { tombstone: log.tombstone, points }
  }

  take(id: string): PendingPoints | undefined {
    const found = this.peek(id)
    this.#logs.delete(id)
    return found
  }

  /** Ids with points after their newest tombstone. */
  *ids(): IterableIterator<string> {
    for (const [id, log] of this.#logs) if (log.count > 0) yield id
  }

  /** Ids that have a tombstone. */
  *tombstoned(): IterableIterator<string> {
    for (const [id, log] of this.#logs) if (log.tombstone > 0) yield id
  }

  /** Smallest LSN of a held point (Infinity when none): the journal must keep it. */
  oldestLsn(): number {
    let oldest = Number.POSITIVE_INFINITY
    for (const log of this.#logs.values())
      if (log.count > 0 && log.blocks[0]![0]! < oldest) oldest = log.blocks[0]![0]!
    return oldest
  }

  /** Ids whose newest point has an LSN below `lsn`. */
  *idleBefore(lsn: number): IterableIterator<string> {
    for (const [id, log] of this.#logs) {
      if (log.count > 0 && blockOf(log, log.count - 1)[slot(log.count - 1, this.#row)]! < lsn) yield id
    }
  }

  /** Ids holding a point with an LSN of at most `lsn`. */
  *holding(lsn: number): IterableIterator<string> {
    for (const [id, log] of this.#logs) if (log.count > 0 && log.blocks[0]![0]! <= lsn) yield id
  }

  /** Forgets everything read from segment `seq` (a reader, once the writer deleted or cut it). */
  forget(seq: number): void {
    for (const [id, log] of this.#logs) {
      let kept = 0
      for (let i = 0; i < log.count; i++) {
        const block = blockOf(log, i)
        if (block[slot(i, this.#row) + 1] === seq) continue
        if (kept !== i)
          blockOf(log, kept).set(
            block.subarray(slot(i, this.#row), slot(i, this.#row) + this.#row),
            slot(kept, this.#row),
          )
        kept++
      }
      log.count = kept
      log.blocks.length = Math.ceil(kept / BLOCK_ROWS)
      if (log.tombstoneSeq === seq) log.tombstone = 0
      if (log.count === 0 && log.tombstone === 0) this.#logs.delete(id)
    }
  }

  #log(id: string): IdLog {
    let log = this.#logs.get(id)
    if (log === undefined) {
      log = { blocks: [], count: 0, tombstone: 0, tombstoneSeq: 0 }
      this.#logs.set(id, log)
    }
    return log
  }
}
