import { InvalidDataPointError } from '../errors.js'
import { PROCESS_SERIES, type Series } from './series.js'

/** The process point's gauges, counters and raw columns (see `PROCESS_SERIES`). */
export const GAUGES = PROCESS_SERIES.gauges
export const COUNTERS = PROCESS_SERIES.counters
export const COLUMNS = PROCESS_SERIES.columns

export const MAX_INTEGER_FIELD = 0x7fff_ffff

/**
 * What a readable (non-null) value of `field` must be, or undefined when `value` is one: the one
 * rule for points added and for points read back from a file or the journal.
 */
export function valueProblem(series: Series, field: string, value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return field === 'timestamp' ? 'a finite number (ms since epoch)' : 'a finite number ≥ 0 or null'
  }
  if (field === 'timestamp') return undefined
  if (value < 0) return 'a finite number ≥ 0 or null'
  if (series.integers.has(field) && (!Number.isInteger(value) || value > MAX_INTEGER_FIELD)) {
    return `an integer from 0 to ${MAX_INTEGER_FIELD} or null`
  }
  return undefined
}

/**
 * Throws `InvalidDataPointError` unless every column is a finite non-negative number or (where
 * allowed) null, and (except for the process point) the point has no other key.
 */
export function validatePoint(series: Series, point: object): void {
  if (point === null || typeof point !== 'object') {
    throw new InvalidDataPointError({ field: '(point)', value: point, expected: 'an object' })
  }
  const p = point as Record<string, unknown>
  for (const field of series.columns) {
    const v = p[field]
    // Samplers that cannot read a field report null; extras are optional.
    if (field !== 'timestamp' && (v === null || v === undefined)) continue
    const expected = valueProblem(series, field, v)
    if (expected !== undefined) throw new InvalidDataPointError({ field, value: v, expected })
  }
  if (series.ignoresUnknownKeys) return
  for (const key of Object.keys(p)) {
    if (!series.columns.includes(key)) {
      throw new InvalidDataPointError({
        field: key,
        value: p[key],
        expected: `absent: not a column of the series (${series.columns.join(', ')})`,
      })
    }
  }
}

/** A copy of a validated point holding exactly the columns a history keeps (null for an absent one, extras left out). */
export function copyPoint<P extends object>(series: Series, point: P): P {
  const p = point as Record<string, number | null | undefined>
  const copy: Record<string, number | null> = { timestamp: p.timestamp as number }
  for (let c = 1; c < series.extraCol; c++) copy[series.columns[c]!] = p[series.columns[c]!] ?? null
  for (const name of series.extras) if (typeof p[name] === 'number') copy[name] = p[name]
  return copy as P
}
