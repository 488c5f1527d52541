import { InvalidOptionError } from '../errors.js'
import type { HistoryOptions, RollupTierSpec } from '../types.js'
import { knownKeys, positiveInteger } from '../validate.js'
import { PROCESS_SERIES, resolveSeries, type Series } from './series.js'

export const DEFAULT_MAX_SIZE = 1440
/** 7 days of 15-minute buckets, 30 days of 1-hour buckets (RRDtool / Netdata style). */
export const DEFAULT_TIERS: readonly RollupTierSpec[] = Object.freeze([
  Object.freeze({ intervalMs: 15 * 60_000, size: 672 }),
  Object.freeze({ intervalMs: 60 * 60_000, size: 720 }),
])

export interface ResolvedHistoryOptions {
  readonly maxSize: number
  readonly tiers: readonly RollupTierSpec[]
  readonly series: Series
}

export function resolveHistoryOptions(opts: HistoryOptions | undefined, prefix = ''): ResolvedHistoryOptions {
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) {
    throw new InvalidOptionError({ option: prefix || 'options', expected: 'an object', value: opts })
  }
  if (opts !== undefined) knownKeys('the history options', opts, ['maxSize', 'tiers', 'series'], prefix)
  const maxSize = positiveInteger(`${prefix}maxSize`, opts?.maxSize ?? DEFAULT_MAX_SIZE)
  const raw = opts?.tiers ?? DEFAULT_TIERS
  if (!Array.isArray(raw))
    throw new InvalidOptionError({ option: `${prefix}tiers`, expected: 'an array', value: raw })
  const tiers = raw.map((t: RollupTierSpec, i) => {
    if (t === null || typeof t !== 'object') {
      throw new InvalidOptionError({ option: `${prefix}tiers[${i}]`, expected: 'an object', value: t })
    }
    knownKeys(`tier ${i}`, t, ['intervalMs', 'size'], `${prefix}tiers[${i}].`)
    return Object.freeze({
      intervalMs: positiveInteger(`${prefix}tiers[${i}].intervalMs`, t.intervalMs),
      size: positiveInteger(`${prefix}tiers[${i}].size`, t.size),
    })
  })
  for (let i = 1; i < tiers.length; i++) {
    if (tiers[i]!.intervalMs <= tiers[i - 1]!.intervalMs) {
      throw new InvalidOptionError({
        option: `${prefix}tiers[${i}].intervalMs`,
        expected: `greater than tiers[${i - 1}].intervalMs (${tiers[i - 1]!.intervalMs}); list tiers finest first`,
        value: tiers[i]!.intervalMs,
      })
    }
  }
  const series = opts?.series === undefined ? PROCESS_SERIES : resolveSeries(opts.series, `${prefix}series.`)
  return { maxSize, tiers: Object.freeze(tiers), series }
}
