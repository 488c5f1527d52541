import { InvalidOptionError } from '../errors/errors.js'

/** The longest delay a Node timer holds (2³¹−1 ms, ~24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1

/** `value` if it is an integer number of ms in `min..MAX_TIMER_MS`; else InvalidOptionError naming `option`. */
export function durationMs(option: string, value: unknown, min = 0): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_TIMER_MS) {
    throw new InvalidOptionError({
      option,
      expected: `an integer from ${min} to ${MAX_TIMER_MS} (ms)`,
      value,
    })
  }
  return value
}
