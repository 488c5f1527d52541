import type { RawRing } from './raw.js'
import { addCounter, addGauge, clearRecord, mergeRecord, recordToBucket } from './record.js'
import type { Series } from './series.js'
import type { RollupTier } from './tier.js'

type Bucket = Record<string, unknown>

/**
 * Buckets raw points `[lo, hi)` by `intervalMs`. A counter's increase is taken between
 * consecutive readable values (nulls skipped) and credited to the later point's bucket;
 * a value lower than its predecessor is a restart, so that pair is left out rather than
 * counted as negative (or as a guess of what the new process did before its first sample).
 */
export function aggregateRaw(s: Series, raw: RawRing, lo: number, hi: number, intervalMs: number): Bucket[] {
  const out: Bucket[] = []
  const { gauges, counters, gaugeCol, counterCol } = s
  if (lo >= hi) return out
  const prev = new Float64Array(counters.length).fill(Number.NaN)
  const prevT = new Float64Array(counters.length).fill(Number.NaN)
  // Pairs may start before the window: seed each counter with its last readable value before `lo`.
  for (let c = 0; c < counters.length; c++) {
    for (let i = lo - 1; i >= 0; i--) {
      const v = raw.value(counterCol + c, i)
      if (!Number.isNaN(v)) {
        prev[c] = v
        prevT[c] = raw.timestamp(i)
        break
      }
    }
  }
  const rec = new Float64Array(s.recordSize)
  clearRecord(s, rec, 0)
  let bucketStart = Number.NaN
  for (let i = lo; i < hi; i++) {
    const t = raw.timestamp(i)
    const start = Math.floor(t / intervalMs) * intervalMs
    if (start !== bucketStart) {
      if (!Number.isNaN(bucketStart)) out.push(recordToBucket(s, rec, 0, bucketStart, intervalMs))
      clearRecord(s, rec, 0)
      bucketStart = start
    }
    rec[0]!++
    for (let g = 0; g < gauges.length; g++) addGauge(rec, 0, g, raw.value(gaugeCol + g, i))
    for (let c = 0; c < counters.length; c++) {
      const v = raw.value(counterCol + c, i)
      if (Number.isNaN(v)) continue
      const p = prev[c]!
      const valid = !Number.isNaN(p) && v >= p
      addCounter(s, rec, 0, c, v, valid ? v - p : Number.NaN, valid ? t - prevT[c]! : Number.NaN)
      prev[c] = v
      prevT[c] = t
    }
  }
  out.push(recordToBucket(s, rec, 0, bucketStart, intervalMs))
  return out
}

/** Merges a tier's buckets (whose width divides `intervalMs`) into query buckets `[from, until]`. */
export function aggregateTier(
  s: Series,
  tier: RollupTier,
  from: number,
  until: number,
  intervalMs: number,
): Bucket[] {
  const out: Bucket[] = []
  const rec = new Float64Array(s.recordSize)
  clearRecord(s, rec, 0)
  let bucketStart = Number.NaN
  tier.forEach((start, record, offset) => {
    if (start < from || start > until) return
    const qStart = Math.floor(start / intervalMs) * intervalMs
    if (qStart !== bucketStart) {
      if (!Number.isNaN(bucketStart)) out.push(recordToBucket(s, rec, 0, bucketStart, intervalMs))
      clearRecord(s, rec, 0)
      bucketStart = qStart
    }
    mergeRecord(s, rec, 0, record, offset)
  })
  if (!Number.isNaN(bucketStart)) out.push(recordToBucket(s, rec, 0, bucketStart, intervalMs))
  return out
}
