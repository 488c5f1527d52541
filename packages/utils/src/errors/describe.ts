const MAX_STRING = 60

/**
 * A value as an error message shows it: `-5 (number)`, `"x" (string)` (long strings cut),
 * `null`, `undefined (undefined)`, `an array`, `an object`, `a function`. Never throws, never prints
 * `[object Object]`, and never copies a large value into a message.
 */
export function describe(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `${JSON.stringify(value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value)} (string)`
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return `${String(value)} (${typeof value})`
    case 'symbol':
      return 'a symbol'
    case 'function':
      return 'a function'
    default:
      if (value === null) return 'null'
      return Array.isArray(value) ? 'an array' : 'an object'
  }
}

/** The message of an error, or the value as text. */
export function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause)
}

/** The errno code of a failed fs or spawn call (`ENOENT`), or undefined. */
export function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined
}
