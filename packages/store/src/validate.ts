import { InvalidOptionError } from './errors.js'

export function positiveInteger(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidOptionError({ option, expected: 'a positive integer', value })
  }
  return value
}

export function finiteNumber(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidOptionError({ option, expected: 'a finite number', value })
  }
  return value
}

export function optionalFinite(option: string, value: unknown): number | undefined {
  return value === undefined ? undefined : finiteNumber(option, value)
}

export function boolean(option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidOptionError({ option, expected: 'a boolean', value })
  return value
}

export function nonEmptyString(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidOptionError({ option, expected: 'a non-empty string', value })
  }
  return value
}

/** Throws on the first key of `value` not in `keys`, so a misspelt option is not silently ignored. */
export function knownKeys(where: string, value: object, keys: readonly string[], prefix = ''): void {
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) {
      throw new InvalidOptionError({
        option: `${prefix}${key}`,
        value: (value as Record<string, unknown>)[key],
        message: `Unknown key \`${prefix}${key}\` in ${where}; expected one of ${keys.join(', ')}`,
      })
    }
  }
}

/** The longest delay a Node timer holds; a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1

export function duration(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0 || value > MAX_TIMER_MS) {
    throw new InvalidOptionError({
      option,
      expected: `an integer number of ms from 1 to ${MAX_TIMER_MS} (what a Node timer holds)`,
      value,
    })
  }
  return value
}
