import { InvalidHistoryDataError } from '../errors.js'
import { valueProblem } from './fields.js'
import { recordProblem } from './record-check.js'
import { decodeFloat32, isRecord, numberArray } from './serialize.js'
import type { Series } from './series.js'
import type { RollupTier } from './tier.js'

/*
 * Checks of a history read from a file: it must hold only what `add()` could have built, since
 * a hand-edited or damaged file would otherwise surface as impossible aggregates (count -7).
 */

function fail(path: string, reason: string): never {
  throw new InvalidHistoryDataError({ path, reason })
}

/** The raw column `name`: every readable value obeys the rule `add()` applies (`valueProblem`). */
export function assertValues(series: Series, col: Float64Array, name: string): void {
  for (let i = 0; i < col.length; i++) {
    const v = col[i]!
    if (Number.isNaN(v)) continue
    const expected = valueProblem(series, name, v)
    if (expected !== undefined) fail(`points.${name}[${i}]`, `expected ${expected}, got ${v}`)
  }
}

export function assertOrdered(ts: Float64Array): void {
  for (let i = 1; i < ts.length; i++) {
    if (ts[i]! < ts[i - 1]!) fail('points.timestamp', `timestamps go back at index ${i}`)
  }
}

/** `evicted` flags: absent means false. */
export function assertOptionalBoolean(value: unknown, path: string): void {
  if (value !== undefined && typeof value !== 'boolean') {
    fail(path, `expected a boolean, got ${JSON.stringify(value)}`)
  }
}

export function assertPositiveInteger(value: unknown, path: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    fail(path, `expected a positive integer, got ${JSON.stringify(value)}`)
  }
}

/** A tier entry's own fields, whether or not the options keep the tier. */
export function assertTierShape(json: unknown, path: string): void {
  if (!isRecord(json)) fail(path, 'expected an object')
  assertPositiveInteger(json.intervalMs, `${path}.intervalMs`)
  assertPositiveInteger(json.size, `${path}.size`)
  assertOptionalBoolean(json.evicted, `${path}.evicted`)
}

/** `[value, at]` of a counter's last readable value: both null, or a value ≥ 0 and a finite time. */
export function counterPair(json: unknown, path: string): [value: number, at: number] {
  const pair = numberArray(json, path, true)
  if (pair.length !== 2) fail(path, `expected [value, at], got ${pair.length} values`)
  const [value, at] = [pair[0]!, pair[1]!]
  if (Number.isNaN(value) !== Number.isNaN(at)) fail(path, 'expected both or neither of value and at')
  if (value < 0) fail(path, `counter value ${value} is negative`)
  return [value, at]
}

/** Loads a tier's closed buckets and head, each checked; starts must be aligned and rising. */
export function restoreTier(tier: RollupTier, json: Record<string, unknown>, path: string): void {
  const starts = numberArray(json.starts, `${path}.starts`, false)
  for (let i = 1; i < starts.length; i++) starts[i] = starts[i]! + starts[i - 1]!
  for (let i = 0; i < starts.length; i++) {
    if (starts[i]! % tier.intervalMs !== 0) {
      fail(`${path}.starts[${i}]`, `${starts[i]} is not a multiple of intervalMs ${tier.intervalMs}`)
    }
    if (i > 0 && starts[i]! <= starts[i - 1]!)
      fail(`${path}.starts`, `bucket starts do not rise at index ${i}`)
  }
  const series = tier.series
  const RECORD_SIZE = series.recordSize
  const data = decodeFloat32(json.data, `${path}.data`, RECORD_SIZE)
  if (data.length !== starts.length * RECORD_SIZE) {
    fail(`${path}.data`, `holds ${data.length / RECORD_SIZE} buckets, starts ${starts.length}`)
  }
  for (let i = 0; i < starts.length; i++) {
    const problem = recordProblem(series, data, i * RECORD_SIZE)
    if (problem !== undefined) fail(`${path}.data`, `bucket ${i}: ${problem}`)
    tier.pushClosed(starts[i]!, data, i * RECORD_SIZE)
  }
  if (json.evicted === true) tier.evicted = true
  if (json.head === null || json.head === undefined) return
  if (!isRecord(json.head)) fail(`${path}.head`, 'expected an object or null')
  const start = json.head.start
  if (typeof start !== 'number' || !Number.isFinite(start) || start % tier.intervalMs !== 0) {
    fail(`${path}.head.start`, `expected a multiple of intervalMs ${tier.intervalMs}, got ${start}`)
  }
  const last = starts.at(-1)
  if (last !== undefined && start <= last) {
    fail(`${path}.head.start`, `${start} is not after the last closed bucket (${last})`)
  }
  const record = numberArray(json.head.record, `${path}.head.record`, true)
  if (record.length !== RECORD_SIZE) fail(`${path}.head.record`, `expected ${RECORD_SIZE} values`)
  const problem = recordProblem(series, record, 0)
  if (problem !== undefined) fail(`${path}.head.record`, problem)
  tier.headFor(start).set(record)
}

/** A tier's open bucket is the one of the newest raw point (and a tier is empty when raw is). */
export function assertTierFollowsRaw(tier: RollupTier, newest: number | undefined, path: string): void {
  const expected = newest === undefined ? Number.NaN : Math.floor(newest / tier.intervalMs) * tier.intervalMs
  if (newest === undefined ? tier.length > 0 : tier.headStart !== expected) {
    fail(
      `${path}.head.start`,
      newest === undefined
        ? 'the tier holds buckets but there are no raw points'
        : `expected ${expected}, the bucket of the newest raw point (${newest}), got ${tier.headStart}`,
    )
  }
}
