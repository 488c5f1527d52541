import { C_STRIDE, G_BASE, G_STRIDE, type NumArray } from './record.js'
import type { Series } from './series.js'

const nonNegative = (v: number): boolean => Number.isFinite(v) && v >= 0

/**
 * Why bucket record `o` of `r` (read from a file) is not one `add()` could have built, or
 * undefined: a bucket holds at least one point, each gauge counts at most that many readable
 * values with non-negative sum, min ≤ max (all NaN when none), and counters add non-negative
 * increases over non-negative time.
 */
export function recordProblem(s: Series, r: NumArray, o: number): string | undefined {
  const count = r[o]!
  if (!Number.isInteger(count) || count < 1) return `count ${count} is not a positive integer`
  for (let g = 0; g < s.gauges.length; g++) {
    const b = o + G_BASE + g * G_STRIDE
    const [n, sum, min, max] = [r[b]!, r[b + 1]!, r[b + 2]!, r[b + 3]!]
    const name = s.gauges[g]
    if (!Number.isInteger(n) || n < 0 || n > count) {
      return `${name} counts ${n} values, not an integer from 0 to the bucket's count (${count})`
    }
    if (n === 0) {
      if (sum !== 0 || !Number.isNaN(min) || !Number.isNaN(max))
        return `${name} has no values but a sum, min or max`
      continue
    }
    if (!nonNegative(sum) || !nonNegative(min) || !nonNegative(max)) {
      return `${name} sum, min and max must be finite and ≥ 0, got ${sum}, ${min}, ${max}`
    }
    if (min > max) return `${name} min ${min} is greater than max ${max}`
  }
  for (let c = 0; c < s.counters.length; c++) {
    const b = o + s.cBase + c * C_STRIDE
    const [increase, elapsedMs, last] = [r[b]!, r[b + 1]!, r[b + 2]!]
    const name = s.counters[c]
    if (!nonNegative(increase) || !nonNegative(elapsedMs)) {
      return `${name} increase and elapsedMs must be finite and ≥ 0, got ${increase}, ${elapsedMs}`
    }
    if (Number.isNaN(last)) {
      if (increase !== 0 || elapsedMs !== 0) return `${name} has an increase but no last value`
    } else if (!nonNegative(last)) return `${name} last value ${last} is not finite and ≥ 0`
  }
  return undefined
}
