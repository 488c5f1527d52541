import type { ResourceDataPoint } from '../types.js'
import { type JournalRecord, pointAt, VALUES_PER_POINT } from './record.js'

/** Per point: [lsn, segment seq, VALUES_PER_POINT values]. */
const ROW = 2 + VALUES_PER_POINT
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

/** Offset of row `i` in its block. */
const slot = (i: number): number => (i % BLOCK_ROWS) * ROW
const blockOf = (log: IdLog, i: number): Float64Array => log.blocks[Math.floor(i / BLOCK_ROWS)]!

/** What the journal holds for one agent: its newest tombstone and the points written after it. */
export interface PendingPoints {
  readonly tombstone: number
  readonly points: readonly { readonly lsn: number; readonly point: ResourceDataPoint }[]
}

/**
 * The journal's records per agent, as Float64 rows (88 bytes a point, no object per point):
 * what the writer replays onto a file on first use, and what a reader adds to a file. A tombstone
 * drops the points before it (they belong to the deleted record).
 */
export class PendingLog {
  readonly #logs = new Map<string, IdLog>()

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
      if (log.count % BLOCK_ROWS === 0) log.blocks.push(new Float64Array(BLOCK_ROWS * ROW))
      const block = blockOf(log, log.count)
      const at = slot(log.count)
      block[at] = lsn
      block[at + 1] = seq
      const from = i * VALUES_PER_POINT
      for (let c = 0; c < VALUES_PER_POINT; c++) block[at + 2 + c] = values[from + c]!
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
    const points = new Array<{ lsn: number; point: ResourceDataPoint }>(log.count)
    for (let i = 0; i < log.count; i++) {
      const block = blockOf(log, i)
      points[i] = { lsn: block[slot(i)]!, point: pointAt(block, slot(i) + 2) }
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
      if (log.count > 0 && blockOf(log, log.count - 1)[slot(log.count - 1)]! < lsn) yield id
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
        if (block[slot(i) + 1] === seq) continue
        if (kept !== i) blockOf(log, kept).set(block.subarray(slot(i), slot(i) + ROW), slot(kept))
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
