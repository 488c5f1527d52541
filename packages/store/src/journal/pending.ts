import type { ResourceDataPoint } from '../types.js'
import { type JournalRecord, pointAt, VALUES_PER_POINT } from './record.js'

/** Per point: [lsn, segment seq, VALUES_PER_POINT values]. */
const ROW = 2 + VALUES_PER_POINT

interface IdLog {
  rows: Float64Array
  count: number
  /** LSN of the newest tombstone (0: none) and the segment holding it. */
  tombstone: number
  tombstoneSeq: number
}

/** What the journal holds for one agent: its newest tombstone and the points written after it. */
export interface PendingPoints {
  readonly tombstone: number
  readonly points: readonly { readonly lsn: number; readonly point: ResourceDataPoint }[]
}

/**
 * The journal's records per agent, as flat Float64 rows (88 bytes a point, no object per point):
 * what the writer replays onto a file on first use, and what a reader adds to a file. A tombstone
 * drops the points before it (they belong to the deleted record).
 */
export class PendingLog {
  readonly #logs = new Map<string, IdLog>()

  get size(): number {
    return this.#logs.size
  }

  add(record: JournalRecord, seq: number): void {
    if (record.type === 'tombstone') {
      const log = this.#log(record.id)
      log.count = 0
      log.tombstone = record.lsn
      log.tombstoneSeq = seq
      return
    }
    const { ids, values, lsn } = record
    for (let i = 0; i < ids.length; i++) {
      const log = this.#log(ids[i]!)
      if ((log.count + 1) * ROW > log.rows.length) {
        const grown = new Float64Array(Math.max(4, log.count * 2) * ROW)
        grown.set(log.rows.subarray(0, log.count * ROW))
        log.rows = grown
      }
      const at = log.count * ROW
      log.rows[at] = lsn
      log.rows[at + 1] = seq
      log.rows.set(values.subarray(i * VALUES_PER_POINT, (i + 1) * VALUES_PER_POINT), at + 2)
      log.count++
    }
  }

  has(id: string): boolean {
    return this.#logs.has(id)
  }

  /** The agent's tombstone and points, oldest first; `take` also forgets them. */
  peek(id: string): PendingPoints | undefined {
    const log = this.#logs.get(id)
    if (log === undefined) return undefined
    const points = new Array<{ lsn: number; point: ResourceDataPoint }>(log.count)
    for (let i = 0; i < log.count; i++) {
      points[i] = { lsn: log.rows[i * ROW]!, point: pointAt(log.rows, i * ROW + 2) }
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
    for (const log of this.#logs.values()) if (log.count > 0 && log.rows[0]! < oldest) oldest = log.rows[0]!
    return oldest
  }

  /** Ids whose newest point has an LSN below `lsn`. */
  *idleBefore(lsn: number): IterableIterator<string> {
    for (const [id, log] of this.#logs) {
      if (log.count > 0 && log.rows[(log.count - 1) * ROW]! < lsn) yield id
    }
  }

  /** Ids holding a point with an LSN of at most `lsn`. */
  *holding(lsn: number): IterableIterator<string> {
    for (const [id, log] of this.#logs) if (log.count > 0 && log.rows[0]! <= lsn) yield id
  }

  /** Forgets everything read from segment `seq` (a reader, once the writer deleted or cut it). */
  forget(seq: number): void {
    for (const [id, log] of this.#logs) {
      let kept = 0
      for (let i = 0; i < log.count; i++) {
        if (log.rows[i * ROW + 1] === seq) continue
        if (kept !== i) log.rows.copyWithin(kept * ROW, i * ROW, (i + 1) * ROW)
        kept++
      }
      log.count = kept
      if (log.tombstoneSeq === seq) log.tombstone = 0
      if (log.count === 0 && log.tombstone === 0) this.#logs.delete(id)
    }
  }

  #log(id: string): IdLog {
    let log = this.#logs.get(id)
    if (log === undefined) {
      log = { rows: new Float64Array(0), count: 0, tombstone: 0, tombstoneSeq: 0 }
      this.#logs.set(id, log)
    }
    return log
  }
}
