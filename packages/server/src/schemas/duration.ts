import { Type } from '@sinclair/typebox'
import { InvalidParameterError } from '../errors.js'

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const
/** `900000` (ms) or `15m`: digits, then an optional unit of ms, s, m, h, d, w. */
export const DURATION_PATTERN = '^[0-9]{1,16}(ms|s|m|h|d|w)?$'
const DURATION = new RegExp(DURATION_PATTERN)
/** About ten years: far beyond any history kept, far below what a float holds exactly. */
const MAX_DURATION_MS = 10 * 366 * UNITS.d

/** A duration query parameter: ms as digits, or digits with a unit (`15m`, `24h`, `7d`). */
export const Duration = Type.String({
  pattern: DURATION_PATTERN,
  description: 'ms, or a number with a unit: 500ms, 30s, 15m, 24h, 7d, 1w',
})

/** A time query parameter: epoch ms as digits (absolute), or a duration with a unit (that long ago). */
export const TimeParam = Type.String({
  pattern: DURATION_PATTERN,
  description: 'epoch ms (digits), or a duration with a unit meaning that long before now: 15m, 24h, 7d',
})

function split(value: string): { amount: number; unit: keyof typeof UNITS | undefined } {
  const m = DURATION.exec(value)!
  const unit = m[1] as keyof typeof UNITS | undefined
  return { amount: Number(unit === undefined ? value : value.slice(0, -unit.length)), unit }
}

/** A validated duration parameter in ms: positive and at most about ten years. */
export function durationMs(parameter: string, value: string): number {
  const { amount, unit } = split(value)
  const ms = amount * UNITS[unit ?? 'ms']
  if (!(ms > 0 && ms <= MAX_DURATION_MS)) {
    throw new InvalidParameterError({
      parameter,
      message: `Expected query parameter \`${parameter}\` to be a positive duration of at most ${MAX_DURATION_MS} ms (10 years), got ${JSON.stringify(value)}`,
    })
  }
  return ms
}

/** A validated time parameter in epoch ms: digits as is, a duration with a unit counted back from `now`. */
export function timeMs(parameter: string, value: string, now: number): number {
  const { amount, unit } = split(value)
  if (unit === undefined) {
    if (!Number.isSafeInteger(amount)) {
      throw new InvalidParameterError({
        parameter,
        message: `Expected query parameter \`${parameter}\` to be epoch ms or a duration such as 24h, got ${JSON.stringify(value)}`,
      })
    }
    return amount
  }
  return now - durationMs(parameter, value)
}
