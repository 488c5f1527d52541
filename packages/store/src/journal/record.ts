import { isAgentId } from '@warden/utils'
import { COLUMNS, INTEGER_FIELDS, valueProblem } from '../history/fields.js'
import type { ResourceDataPoint } from '../types.js'

/*
 * A frame's payload is one record:
 *   points:    [u8 1][u64 LE lsn][u32 LE count] then per point
 *              [u8 id length][id, ASCII][u8 flags: bit 0 = `processes` present]
 *              [f64 LE × 8: timestamp … diskWriteBytes in COLUMNS order, NaN = null][f64 processes if flagged]
 *   tombstone: [u8 2][u64 LE lsn][u8 id length][id]
 */
const RECORD_POINTS = 1
const RECORD_TOMBSTONE = 2
const HEAD_BYTES = 1 + 8
const POINTS_HEAD_BYTES = HEAD_BYTES + 4
/** Point fields always written (all COLUMNS but the optional `processes`). */
const FIXED = COLUMNS.length - 1
const PROCESSES = COLUMNS.length - 1
/** Columns holding counts, which must also be integers. */
const IS_COUNT = COLUMNS.map((name) => INTEGER_FIELDS.has(name))
/** Values per decoded point: COLUMNS order, NaN for null (and for an absent `processes`). */
export const VALUES_PER_POINT = COLUMNS.length

export interface JournalEntry {
  readonly id: string
  readonly point: ResourceDataPoint
}

export type JournalRecord =
  | {
      readonly type: 'points'
      readonly lsn: number
      readonly ids: readonly string[]
      /** `VALUES_PER_POINT` per point, in `ids` order. */
      readonly values: Float64Array
    }
  | { readonly type: 'tombstone'; readonly lsn: number; readonly id: string }

const value = (point: ResourceDataPoint, c: number): number => {
  const v = (point as unknown as Record<string, number | null | undefined>)[COLUMNS[c]!]
  return v === null || v === undefined ? Number.NaN : v
}

/** Bytes of the points record of `entries` (ids are validated, so ASCII: one byte per character). */
export function pointsRecordSize(entries: readonly JournalEntry[]): number {
  let size = POINTS_HEAD_BYTES
  for (const { id, point } of entries) {
    size += 2 + id.length + FIXED * 8 + (Number.isNaN(value(point, PROCESSES)) ? 0 : 8)
  }
  return size
}

/** Writes the points record into `buf` at `offset`; returns the offset after it. */
export function writePointsRecord(
  buf: Buffer,
  offset: number,
  lsn: number,
  entries: readonly JournalEntry[],
): number {
  let o = writeHead(buf, offset, RECORD_POINTS, lsn)
  o = buf.writeUInt32LE(entries.length, o)
  for (const { id, point } of entries) {
    o = buf.writeUInt8(id.length, o)
    o += buf.write(id, o, 'latin1')
    const processes = value(point, PROCESSES)
    const present = !Number.isNaN(processes)
    o = buf.writeUInt8(present ? 1 : 0, o)
    for (let c = 0; c < FIXED; c++) o = buf.writeDoubleLE(value(point, c), o)
    if (present) o = buf.writeDoubleLE(processes, o)
  }
  return o
}

export function tombstoneRecordSize(id: string): number {
  return HEAD_BYTES + 1 + id.length
}

export function writeTombstoneRecord(buf: Buffer, offset: number, lsn: number, id: string): number {
  const o = buf.writeUInt8(id.length, writeHead(buf, offset, RECORD_TOMBSTONE, lsn))
  return o + buf.write(id, o, 'latin1')
}

function writeHead(buf: Buffer, offset: number, type: number, lsn: number): number {
  const o = buf.writeUInt8(type, offset)
  return buf.writeBigUInt64LE(BigInt(lsn), o)
}

/** A payload that is not a record this format writes (the frame's checksum was fine: a bug or a forgery). */
export class RecordFormatError extends Error {}

/** Decodes and validates one payload by the rules points are accepted with; throws `RecordFormatError`. */
export function decodeRecord(payload: Buffer): JournalRecord {
  const r = new Cursor(payload)
  const type = r.u8()
  const big = r.u64()
  if (big === 0n || big > BigInt(Number.MAX_SAFE_INTEGER)) throw new RecordFormatError(`bad lsn ${big}`)
  const lsn = Number(big)
  if (type === RECORD_TOMBSTONE) {
    const id = r.id()
    r.end()
    return { type: 'tombstone', lsn, id }
  }
  if (type !== RECORD_POINTS) throw new RecordFormatError(`unknown record type ${type}`)
  const count = r.u32()
  // Each point takes at least 2 + 1 + 64 bytes: a count that cannot fit is damage, not an allocation.
  if (count === 0 || count > payload.length / (3 + FIXED * 8)) {
    throw new RecordFormatError(`bad point count ${count}`)
  }
  const ids = new Array<string>(count)
  const values = new Float64Array(count * VALUES_PER_POINT)
  for (let i = 0; i < count; i++) {
    ids[i] = r.id()
    const flags = r.u8()
    if (flags > 1) throw new RecordFormatError(`bad flags ${flags}`)
    const base = i * VALUES_PER_POINT
    for (let c = 0; c < FIXED; c++) values[base + c] = r.f64()
    values[base + PROCESSES] = flags === 1 ? r.f64() : Number.NaN
    for (let c = 0; c < VALUES_PER_POINT; c++) {
      const v = values[base + c]!
      // The common case checked inline (a replay reads a million values); the rule itself says why not.
      if (
        c === 0
          ? Number.isFinite(v)
          : Number.isNaN(v) || (v >= 0 && v < Number.POSITIVE_INFINITY && !IS_COUNT[c])
      ) {
        continue
      }
      const problem = valueProblem(COLUMNS[c]!, v)
      if (problem !== undefined) throw new RecordFormatError(`point ${i} ${COLUMNS[c]}: expected ${problem}`)
    }
  }
  r.end()
  return { type: 'points', lsn, ids, values }
}

/** The point at `base` of decoded `values`. */
export function pointAt(values: Float64Array, base: number): ResourceDataPoint {
  const point: Record<string, number | null> = {}
  for (let c = 0; c < PROCESSES; c++) {
    const v = values[base + c]!
    point[COLUMNS[c]!] = Number.isNaN(v) ? null : v
  }
  const processes = values[base + PROCESSES]!
  if (!Number.isNaN(processes)) point.processes = processes
  return point as unknown as ResourceDataPoint
}

/**
 * Ids already decoded and validated, by a hash of their bytes: a replay reads the same few thousand
 * ids in every record, and a string plus a regex test per point is most of its decoding time.
 */
const KNOWN_IDS = new Map<number, string>()
const MAX_KNOWN_IDS = 65_536

function sameId(id: string, buf: Buffer, at: number, length: number): boolean {
  if (id.length !== length) return false
  for (let i = 0; i < length; i++) if (id.charCodeAt(i) !== buf[at + i]) return false
  return true
}

class Cursor {
  readonly #buf: Buffer
  // DataView reads are inlined by V8; Buffer's readDoubleLE is not.
  readonly #view: DataView
  #at = 0

  constructor(buf: Buffer) {
    this.#buf = buf
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  }

  #need(n: number): number {
    const at = this.#at
    if (at + n > this.#buf.length) throw new RecordFormatError(`record ends early at byte ${at}`)
    this.#at = at + n
    return at
  }

  u8(): number {
    return this.#view.getUint8(this.#need(1))
  }

  u32(): number {
    return this.#view.getUint32(this.#need(4), true)
  }

  u64(): bigint {
    return this.#view.getBigUint64(this.#need(8), true)
  }

  f64(): number {
    return this.#view.getFloat64(this.#need(8), true)
  }

  id(): string {
    const length = this.u8()
    const at = this.#need(length)
    const buf = this.#buf
    let hash = 0x811c9dc5
    for (let i = at; i < at + length; i++) hash = Math.imul(hash ^ buf[i]!, 0x01000193)
    const known = KNOWN_IDS.get(hash)
    if (known !== undefined && sameId(known, buf, at, length)) return known
    const id = buf.toString('latin1', at, at + length)
    if (!isAgentId(id)) throw new RecordFormatError(`bad agent id ${JSON.stringify(id)}`)
    if (KNOWN_IDS.size >= MAX_KNOWN_IDS) KNOWN_IDS.clear()
    KNOWN_IDS.set(hash, id)
    return id
  }

  end(): void {
    if (this.#at !== this.#buf.length) {
      throw new RecordFormatError(`${this.#buf.length - this.#at} bytes after the record`)
    }
  }
}
