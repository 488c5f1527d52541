import type { AggregateOptions, ResourceDataPoint, TimeRange } from '@warden/store'
import { describe } from '@warden/utils'
import { InvalidOptionError } from '../errors.js'
import type { HistoryView } from '../options.js'

/** A history query: the store's inclusive time range, or the last `durationMs` before now. */
export type HistoryWindow = TimeRange | { readonly durationMs: number }

/** An aggregate query: the store's own `AggregateOptions` (a range and the bucket width, ms). */
export type AggregateWindow = AggregateOptions

function check(name: string, value: unknown, positive: boolean): void {
  if (value === undefined && !positive) return
  const ok = typeof value === 'number' && Number.isFinite(value) && (!positive || value > 0)
  if (!ok) {
    throw new InvalidOptionError({
      option: name,
      value,
      message: `Expected \`${name}\` to be ${positive ? 'a positive number of ms' : 'ms since epoch'}, got ${describe(value)}`,
    })
  }
}

/** Reads `window` from `history`, validating it first. */
export function readWindow(history: HistoryView, window: HistoryWindow, now: number): ResourceDataPoint[] {
  if ('durationMs' in window) {
    check('durationMs', window.durationMs, true)
    return history.recent(window.durationMs, now)
  }
  check('since', window.since, false)
  check('until', window.until, false)
  return history.range({ since: window.since, until: window.until })
}

export function checkAggregateWindow(window: AggregateWindow): void {
  check('since', window.since, false)
  check('until', window.until, false)
  check('intervalMs', window.intervalMs, true)
}
