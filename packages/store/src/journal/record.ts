import { isAgentId } from '@warden/utils'
import { valueProblem } from '../history/fields.js'
import type { Series } from '../history/series.js'

/*
 * A frame's payload is one record:
 *   points:    [u8 1][u64 LE lsn][u32 LE count] then per point
 *              [u8 id length][id, ASCII][u8 flags: bit e = extra e present]
 *              [f64 LE per column but the extras: timestamp, gauges, counters in the series' order, NaN = null]
 *              [f64 per extra flagged, in order]
 *   tombstone: [u8 2][u64 LE lsn][u8 id length][id]
 * For the process point (PROCESS_SERIES) that is 8 fixed values and bit 0 = `processes`.
 */
const RECORD_POINTS = 1
const RECORD_TOMBSTONE = 2
const HEAD_BYTES = 1 + 8
const POINTS_HEAD_BYTES = HEAD_BYTES + 4
export interface JournalEntry {
  readonly id: string
  readonly point: object
}

export type JournalRecord =
  | {
      readonly type: 'points'
      readonly lsn: number
      readonly ids: readonly string[]
      /** `series.columns.length` values per point (columns order, NaN = null or an absent extra), in `ids` order. */
      readonly values: Float64Array
    }
  | { readonly type: 'tombstone'; readonly lsn: number; readonly id: string }

const value = (s: Series, point: object, c: number): number => {
  const v = (point as Record<string, number | null | undefined>)[s.columns[c]!]
  return v === null || v === undefined ? Number.NaN : v
}

/** Bytes of the points record of `entries` (ids are validated, so ASCII: one byte per character). */
export function pointsRecordSize(s: Series, entries: readonly JournalEntry[]): number {
  let size = POINTS_HEAD_BYTES
  for (const { id, point } of entries) {
    size += 2 + id.length + s.extraCol * 8
    for (let c = s.extraCol; c < s.columns.length; c++) if (!Number.isNaN(value(s, point, c))) size += 8
  }
  return size
}

/** Writes the points record into `buf` at `offset`; returns the offset after it. */
export function writePointsRecord(
  s: Series,
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
    let flags = 0
    for (let c = s.extraCol; c < s.columns.length; c++) {
      if (!Number.isNaN(value(s, point, c))) flags |= 1 << (c - s.extraCol)
    }
    o = buf.writeUInt8(flags, o)
    for (let c = 0; c < s.extraCol; c++) o = buf.writeDoubleLE(value(s, point, c), o)
    for (let c = s.extraCol; c < s.columns.length; c++) {
      if ((flags & (1 << (c - s.extraCol))) !== 0) o = buf.writeDoubleLE(value(s, point, c), o)
    }
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
export function decodeRecord(s: Series, payload: Buffer): JournalRecord {
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
  const fixed = s.extraCol
  const perPoint = s.columns.length
  const isCount = s.isInt
  // Each point takes at least 2 + 1 + 8 bytes per fixed column: a count that cannot fit is damage, not an allocation.
  if (count === 0 || count > payload.length / (3 + fixed * 8)) {
    throw new RecordFormatError(`bad point count ${count}`)
  }
  const ids = new Array<string>(count)
  const values = new Float64Array(count * perPoint)
  for (let i = 0; i < count; i++) {
    ids[i] = r.id()
    const flags = r.u8()
    if (flags >= 1 << (perPoint - fixed)) throw new RecordFormatError(`bad flags ${flags}`)
    const base = i * perPoint
    for (let c = 0; c < fixed; c++) values[base + c] = r.f64()
    for (let c = fixed; c < perPoint; c++) {
      values[base + c] = (flags & (1 << (c - fixed))) !== 0 ? r.f64() : Number.NaN
    }
    for (let c = 0; c < perPoint; c++) {
      const v = values[base + c]!
      // The common case checked inline (a replay reads a million values); the rule itself says why not.
      if (
        c === 0
          ? Number.isFinite(v)
          : Number.isNaN(v) || (v >= 0 && v < Number.POSITIVE_INFINITY && !isCount[c])
      ) {
        continue
      }
      const problem = valueProblem(s, s.columns[c]!, v)
      if (problem !== undefined)
        throw new RecordFormatError(`point ${i} ${s.columns[c]}: expected ${problem}`)
    }
  }
  r.end()
  return { type: 'points', lsn, ids, values }
}

/** The point at `base` of decoded `values`. */
export function pointAt(s: Series, values: Float64Array, base: number): Record<string, number | null> {
  const point: Record<string, number | null> = {}
  for (let c = 0; c < s.extraCol; c++) {
    const v = values[base + c]!
    point[s.columns[c]!] = Number.isNaN(v) ? null : v
  }
  for (let c = s.extraCol; c < s.columns.length; c++) {
    const v = values[base + c]!
    if (!Number.isNaN(v)) point[s.columns[c]!] = v
  }
  return point
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
