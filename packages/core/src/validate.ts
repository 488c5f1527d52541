import { constants } from 'node:os'
import { durationMs } from '@warden/utils'
import { InvalidOptionError } from './errors.js'

export { MAX_TIMER_MS } from '@warden/utils'

export const fail = (option: string, expected: string, value: unknown): never => {
  throw new InvalidOptionError({ option, expected, value })
}

/** `undefined` -> default; otherwise an integer >= min. */
export function intOption(option: string, value: unknown, fallback: number, min = 0): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    fail(option, min === 1 ? 'a positive integer' : `an integer >= ${min}`, value)
  }
  return value as number
}

/** `undefined` -> default; otherwise an integer from `min` to `max`. */
export function intRange(option: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(option, `an integer from ${min} to ${max}`, value)
  }
  return value as number
}

/** A duration in ms: an integer from `min` to 2³¹−1, the most a Node timer can hold. */
export function durationOption(option: string, value: unknown, fallback: number, min = 0): number {
  return value === undefined ? fallback : durationMs(option, value, min)
}

export function numberOption(option: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min)
    fail(option, `a number >= ${min}`, value)
  return value as number
}

export function booleanOption(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') fail(option, 'a boolean', value)
  return value as boolean
}

/** A non-empty string without NUL (which the OS would cut it at, or refuse). */
export function optionalString(option: string, value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value === '') fail(option, 'a non-empty string', value)
  if ((value as string).includes('\0')) fail(option, 'a string without NUL characters', value)
  return value as string
}

/**
 * A plain object whose keys are all in `known` (`undefined` -> `{}`). `where` names it in the
 * unknown-key message ("the agent spec", "`backoff`"); nested keys are reported as `prefix.key`.
 */
export function objectOption(
  option: string,
  value: unknown,
  known: readonly string[],
  where = `\`${option}\``,
): Record<string, unknown> {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(option, 'an object', value)
  const obj = value as Record<string, unknown>
  const prefix = where === `\`${option}\`` ? `${option}.` : ''
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      throw new InvalidOptionError({ option: `${prefix}${key}`, value: obj[key], unknownIn: where, known })
    }
  }
  return obj
}

/** A free-form string map (labels): only the values are checked. */
export function stringRecord(option: string, value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(option, 'an object', value)
  for (const [k, v] of Object.entries(value as object)) {
    if (typeof v !== 'string') fail(`${option}.${k}`, 'a string', v)
  }
  return value as Record<string, string>
}

/**
 * Environment additions: a key with `=` or NUL (or an empty one) would be cut or misparsed by
 * execve, a value with NUL truncated; `undefined` removes a variable.
 */
export function envOption(option: string, value: unknown): Record<string, string | undefined> | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(option, 'an object', value)
  for (const [k, v] of Object.entries(value as object)) {
    if (k === '' || k.includes('=') || k.includes('\0')) {
      fail(option, 'an object whose keys are variable names: non-empty, without "=" or NUL', k)
    }
    if (v === undefined) continue
    if (typeof v !== 'string') fail(`${option}.${k}`, 'a string', v)
    if ((v as string).includes('\0')) fail(`${option}.${k}`, 'a string without NUL characters', v)
  }
  return value as Record<string, string | undefined>
}

export function signalOption(option: string, value: unknown, fallback: NodeJS.Signals): NodeJS.Signals {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !(value in constants.signals))
    fail(option, 'a signal name like "SIGTERM"', value)
  return value as NodeJS.Signals
}
