import { endianness } from 'node:os'
import { InvalidHistoryDataError } from '../errors.js'

/** Serialized rollup tier. */
export interface TierJSON {
  readonly intervalMs: number
  readonly size: number
  readonly evicted: boolean
  /** Closed bucket starts: the first absolute, then differences (all multiples of intervalMs). */
  readonly starts: number[]
  /** Closed bucket records, little-endian float32, `recordSize` values per bucket (see record.ts), base64. */
  readonly data: string
  /** The open bucket, full precision. */
  readonly head: { readonly start: number; readonly record: (number | null)[] } | null
}

/** Serialized history: columns of raw points plus tiers (what `toJSON` returns). */
export interface HistoryJSON {
  readonly maxSize: number
  /** True once points were dropped for capacity (the raw ring no longer holds all history). */
  readonly evicted: boolean
  /** Columns stored as differences to the previous readable value (see `deltaEncode`). */
  readonly deltaEncoded: readonly string[]
  /** One array per column, oldest first; null = not readable. An extra (`processes`) is left out when never set. */
  readonly points: { readonly [column: string]: (number | null)[] | undefined }
  /** Last readable value of each counter and its time, so rates continue across restarts of the owner. */
  readonly counters: { readonly [counter: string]: [value: number | null, at: number | null] | undefined }
  readonly tiers: readonly TierJSON[]
}

/**
 * In place: the first readable value as is, then each one minus the previous readable one; NaN
 * (null) kept. Only when every readable value is a safe integer, so decoding is exact. Counters,
 * memory and timestamps change little from one sample to the next: short numbers on disk.
 * Returns whether it encoded.
 */
export function deltaEncode(col: Float64Array): boolean {
  for (let i = 0; i < col.length; i++) {
    const v = col[i]!
    if (!Number.isNaN(v) && !Number.isSafeInteger(v)) return false
  }
  let prev = 0
  for (let i = 0; i < col.length; i++) {
    const v = col[i]!
    if (Number.isNaN(v)) continue
    col[i] = v - prev
    prev = v
  }
  return true
}

/** Inverse of `deltaEncode`, in place. */
export function deltaDecode(col: Float64Array): void {
  let acc = 0
  for (let i = 0; i < col.length; i++) {
    if (Number.isNaN(col[i]!)) continue
    acc += col[i]!
    col[i] = acc
  }
}

/** Plain array with null for NaN (float) or -1 (Int32 count column). */
export function nullableArray(col: Float64Array | Int32Array): (number | null)[] {
  const isInt = col instanceof Int32Array
  const out = new Array<number | null>(col.length)
  for (let i = 0; i < col.length; i++) {
    const v = col[i]!
    out[i] = Number.isNaN(v) || (isInt && v === -1) ? null : v
  }
  return out
}

/** Reads a JSON array of numbers (null → NaN when allowed) into a Float64Array. */
export function numberArray(value: unknown, path: string, allowNull: boolean): Float64Array {
  if (!Array.isArray(value)) throw new InvalidHistoryDataError({ path, reason: 'expected an array' })
  const out = new Float64Array(value.length)
  for (let i = 0; i < value.length; i++) {
    const v = value[i]
    if (typeof v === 'number' && Number.isFinite(v)) out[i] = v
    else if (v === null && allowNull) out[i] = Number.NaN
    else
      throw new InvalidHistoryDataError({
        path: `${path}[${i}]`,
        reason: `expected a finite number, got ${v}`,
      })
  }
  return out
}

/** Files always hold little-endian float32, whatever the host's byte order. */
const BIG_ENDIAN = endianness() === 'BE'

export function encodeFloat32(data: Float32Array): string {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  return (BIG_ENDIAN ? Buffer.from(bytes).swap32() : bytes).toString('base64')
}

export function decodeFloat32(value: unknown, path: string, recordSize: number): Float32Array {
  if (typeof value !== 'string')
    throw new InvalidHistoryDataError({ path, reason: 'expected a base64 string' })
  const buf = Buffer.from(value, 'base64')
  if (buf.byteLength % (4 * recordSize) !== 0) {
    throw new InvalidHistoryDataError({ path, reason: `byte length ${buf.byteLength} is not whole records` })
  }
  // Copy into an aligned buffer: Buffer.from may return a slice of the shared pool at any offset.
  const out = new Float32Array(buf.byteLength / 4)
  new Uint8Array(out.buffer).set(BIG_ENDIAN ? buf.swap32() : buf)
  return out
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
