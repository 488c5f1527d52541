import { InvalidDataPointError } from '../errors.js'
import type { ResourceDataPoint } from '../types.js'

/** Gauges: aggregated as avg/min/max. Order fixes their slot in bucket records and raw columns. */
export const GAUGES = ['cpuPercent', 'memoryRss', 'memoryVms', 'openFiles', 'threads'] as const
/** Cumulative counters: aggregated as a per-second rate. */
export const COUNTERS = ['diskReadBytes', 'diskWriteBytes'] as const
/** Raw columns, in storage order. */
export const COLUMNS = ['timestamp', ...GAUGES, ...COUNTERS, 'processes'] as const

export type Gauge = (typeof GAUGES)[number]
export type Counter = (typeof COUNTERS)[number]
export type Column = (typeof COLUMNS)[number]

/** Counts stored in Int32 columns (half the memory of Float64); must be integers. */
export const INTEGER_FIELDS: ReadonlySet<string> = new Set(['openFiles', 'threads', 'processes'])
export const MAX_INTEGER_FIELD = 0x7fff_ffff

export const RATE_FIELDS = { diskReadBytes: 'diskReadRate', diskWriteBytes: 'diskWriteRate' } as const

/**
 * What a readable (non-null) value of `field` must be, or undefined when `value` is one: the one
 * rule for points added and for points read back from a file.
 */
export function valueProblem(field: string, value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return field === 'timestamp' ? 'a finite number (ms since epoch)' : 'a finite number ≥ 0 or null'
  }
  if (field === 'timestamp') return undefined
  if (value < 0) return 'a finite number ≥ 0 or null'
  if (INTEGER_FIELDS.has(field) && (!Number.isInteger(value) || value > MAX_INTEGER_FIELD)) {
    return `an integer from 0 to ${MAX_INTEGER_FIELD} or null`
  }
  return undefined
}

/** Throws `InvalidDataPointError` unless every field is a finite non-negative number or (where allowed) null. */
export function validatePoint(point: ResourceDataPoint): void {
  if (point === null || typeof point !== 'object') {
    throw new InvalidDataPointError({ field: '(point)', value: point, expected: 'an object' })
  }
  for (const field of COLUMNS) {
    const v = (point as unknown as Record<string, unknown>)[field]
    // Samplers that cannot read a field report null; `processes` is optional.
    if (field !== 'timestamp' && (v === null || v === undefined)) continue
    const expected = valueProblem(field, v)
    if (expected !== undefined) throw new InvalidDataPointError({ field, value: v, expected })
  }
}

/** A copy of a validated point holding exactly the fields a history keeps (null for an absent nullable one). */
export function copyPoint(point: ResourceDataPoint): ResourceDataPoint {
  const copy = {
    timestamp: point.timestamp,
    cpuPercent: point.cpuPercent ?? null,
    memoryRss: point.memoryRss ?? null,
    memoryVms: point.memoryVms ?? null,
    openFiles: point.openFiles ?? null,
    threads: point.threads ?? null,
    diskReadBytes: point.diskReadBytes ?? null,
    diskWriteBytes: point.diskWriteBytes ?? null,
  } as ResourceDataPoint
  return typeof point.processes === 'number' ? { ...copy, processes: point.processes } : copy
}
