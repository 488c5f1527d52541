import { encodeFloat32 } from './serialize.js'

/** One tier's part of the serialized history, copied out of the tier. */
export interface TierParts {
  readonly intervalMs: number
  readonly size: number
  readonly evicted: boolean
  /** Closed bucket starts: the first absolute, then differences. */
  readonly starts: Float64Array
  /** Closed bucket records, oldest first. */
  readonly data: Float32Array
  readonly head: { readonly start: number; readonly record: Float64Array } | null
}

/** What a serialized history holds, copied out of it: points added later change nothing here. */
export interface HistoryParts {
  readonly maxSize: number
  readonly evicted: boolean
  readonly deltaEncoded: readonly string[]
  /** Oldest first, delta-encoded where `deltaEncoded` says; Int32 columns hold -1 for null. */
  readonly columns: readonly (readonly [string, Float64Array | Int32Array])[]
  readonly counters: Readonly<Record<string, [number | null, number | null]>>
  readonly tiers: readonly TierParts[]
}

/** Values formatted per step: number → text is the cost (~0.1 ms per 2048 floats). */
const LIST_CHUNK = 2048
/** Float32 values base64-encoded per step: a multiple of 3 (whole base64 quanta), so the chunks' text joins up exactly. */
const BASE64_CHUNK = 3 * 4096

/**
 * Pushes the history's JSON text (what `serialize()` returns) onto `out` as ASCII pieces, pausing
 * after each chunk of a column, of tier starts and of tier data, so a writer can spread one file
 * over event-loop turns; run to the end at once, it is `serialize()`.
 */
export function* historyPieces(parts: HistoryParts, out: string[]): Generator<void, void, undefined> {
  out.push(
    `{"maxSize":${parts.maxSize},"evicted":${parts.evicted},"deltaEncoded":${JSON.stringify(parts.deltaEncoded)},"points":{`,
  )
  for (let i = 0; i < parts.columns.length; i++) {
    const [name, values] = parts.columns[i]!
    out.push(`${i === 0 ? '' : ','}"${name}":[`)
    yield* listPieces(values, out)
    out.push(']')
  }
  out.push(`},"counters":${JSON.stringify(parts.counters)},"tiers":[`)
  for (let i = 0; i < parts.tiers.length; i++) {
    const t = parts.tiers[i]!
    out.push(
      `${i === 0 ? '' : ','}{"intervalMs":${t.intervalMs},"size":${t.size},"evicted":${t.evicted},"starts":[`,
    )
    yield* listPieces(t.starts, out)
    out.push('],"data":"')
    for (let from = 0; from < t.data.length; from += BASE64_CHUNK) {
      out.push(encodeFloat32(t.data.subarray(from, from + BASE64_CHUNK)))
      yield
    }
    out.push('","head":')
    if (t.head === null) out.push('null}')
    else out.push(`{"start":${t.head.start},"record":[`, listBody(t.head.record), ']}}')
  }
  out.push(']}')
}

/** The body of a JSON array of `values`, a chunk per step. */
function* listPieces(values: Float64Array | Int32Array, out: string[]): Generator<void, void, undefined> {
  for (let from = 0; from < values.length; from += LIST_CHUNK) {
    if (from > 0) out.push(',')
    out.push(listBody(values.subarray(from, from + LIST_CHUNK)))
    yield
  }
}

/**
 * A JSON array body of numbers, null for NaN (float columns) or -1 (Int32 count columns, never
 * negative otherwise). Typed-array join is native and makes no garbage per value.
 */
function listBody(values: Float64Array | Int32Array): string {
  const list = values.join(',')
  // Searching the joined text is native; a per-value callback (some/every) costs more than the join.
  const nul = values instanceof Int32Array ? '-1' : 'NaN'
  return list.includes(nul) ? list.replaceAll(nul, 'null') : list
}
