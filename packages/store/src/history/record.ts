import type { GaugeStats } from '../types.js'
import type { Series } from './series.js'

/*
 * A bucket record is a flat run of numbers inside a typed array, so tiers can keep thousands of
 * buckets in one Float32Array instead of thousands of objects:
 *   [count, (n, sum, min, max) per gauge, (increase, elapsedMs, last) per counter]
 * min/max are NaN while n is 0; counters only add pairs of consecutive readable values.
 */
export const G_BASE = 1
export const G_STRIDE = 4
/** The counters start at `series.cBase`; a record is `series.recordSize` numbers. */
export const C_STRIDE = 3

export type NumArray = Float64Array | Float32Array

export function clearRecord(s: Series, r: NumArray, o: number): void {
  r[o] = 0
  for (let g = 0; g < s.gauges.length; g++) {
    const b = o + G_BASE + g * G_STRIDE
    r[b] = 0
    r[b + 1] = 0
    r[b + 2] = Number.NaN
    r[b + 3] = Number.NaN
  }
  for (let c = 0; c < s.counters.length; c++) {
    const b = o + s.cBase + c * C_STRIDE
    r[b] = 0
    r[b + 1] = 0
    r[b + 2] = Number.NaN
  }
}

/** Adds one gauge value (NaN = null, skipped). */
export function addGauge(r: NumArray, o: number, g: number, v: number): void {
  if (Number.isNaN(v)) return
  const b = o + G_BASE + g * G_STRIDE
  const n = r[b]!
  r[b] = n + 1
  r[b + 1] = r[b + 1]! + v
  if (n === 0 || v < r[b + 2]!) r[b + 2] = v
  if (n === 0 || v > r[b + 3]!) r[b + 3] = v
}

/** Adds one counter observation: `inc`/`dt` from the pair ending here (NaN when there is no valid pair). */
export function addCounter(
  s: Series,
  r: NumArray,
  o: number,
  c: number,
  v: number,
  inc: number,
  dt: number,
): void {
  if (Number.isNaN(v)) return
  const b = o + s.cBase + c * C_STRIDE
  if (!Number.isNaN(inc)) {
    r[b] = r[b]! + inc
    r[b + 1] = r[b + 1]! + dt
  }
  r[b + 2] = v
}

/** Folds record `s` into record `d` (for coarser query buckets and for closing a tier bucket). */
export function mergeRecord(series: Series, d: NumArray, dOff: number, s: NumArray, sOff: number): void {
  d[dOff] = d[dOff]! + s[sOff]!
  for (let g = 0; g < series.gauges.length; g++) {
    const db = dOff + G_BASE + g * G_STRIDE
    const sb = sOff + G_BASE + g * G_STRIDE
    const sn = s[sb]!
    if (sn === 0) continue
    const dn = d[db]!
    d[db] = dn + sn
    d[db + 1] = d[db + 1]! + s[sb + 1]!
    if (dn === 0 || s[sb + 2]! < d[db + 2]!) d[db + 2] = s[sb + 2]!
    if (dn === 0 || s[sb + 3]! > d[db + 3]!) d[db + 3] = s[sb + 3]!
  }
  for (let c = 0; c < series.counters.length; c++) {
    const db = dOff + series.cBase + c * C_STRIDE
    const sb = sOff + series.cBase + c * C_STRIDE
    d[db] = d[db]! + s[sb]!
    d[db + 1] = d[db + 1]! + s[sb + 1]!
    if (!Number.isNaN(s[sb + 2]!)) d[db + 2] = s[sb + 2]!
  }
}

function gaugeStats(r: NumArray, b: number): GaugeStats {
  const n = r[b]!
  if (n === 0) return { avg: null, min: null, max: null, count: 0 }
  return { avg: r[b + 1]! / n, min: r[b + 2]!, max: r[b + 3]!, count: n }
}

function rate(r: NumArray, b: number): number | null {
  const dt = r[b + 1]!
  return dt > 0 ? (r[b]! * 1000) / dt : null
}

export function recordToBucket(
  s: Series,
  r: NumArray,
  o: number,
  start: number,
  intervalMs: number,
): Record<string, unknown> {
  const bucket: Record<string, unknown> = { start, end: start + intervalMs, count: r[o]! }
  for (let g = 0; g < s.gauges.length; g++) bucket[s.gauges[g]!] = gaugeStats(r, o + G_BASE + g * G_STRIDE)
  for (let c = 0; c < s.counters.length; c++) {
    bucket[s.rates[s.counters[c]!]!] = rate(r, o + s.cBase + c * C_STRIDE)
  }
  return bucket
}

/** A tier bucket as a point: gauges averaged, counters at their last readable value. */
export function recordToPoint(
  s: Series,
  r: NumArray,
  o: number,
  start: number,
): Record<string, number | null> {
  const point: Record<string, number | null> = { timestamp: start }
  for (let g = 0; g < s.gauges.length; g++) {
    const b = o + G_BASE + g * G_STRIDE
    point[s.gauges[g]!] = r[b]! === 0 ? null : r[b + 1]! / r[b]!
  }
  for (let c = 0; c < s.counters.length; c++) {
    const last = r[o + s.cBase + c * C_STRIDE + 2]!
    point[s.counters[c]!] = Number.isNaN(last) ? null : last
  }
  return point
}
