/** Renders a bad value for an error message: `-5 (number)`, `"x" (string)`, `null`. */
export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (typeof value === 'string') return `${JSON.stringify(value)} (string)`
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${String(value)} (${typeof value})`
  }
  if (Array.isArray(value)) return 'an array'
  return `a ${typeof value}`
}

/** The message of an error, or the value as text. */
export function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause)
}
