export { clockTicksPerSecond, pageSize } from '@warden/utils'

import { readFileSync } from 'node:fs'

/** Monotonic milliseconds (not wall time): cpu deltas must not jump when the clock is set. */
export function monotonicMs(): number {
  return performance.now()
}

let fileLimit: number | null | undefined

/**
 * The soft RLIMIT_NOFILE of this process from /proc/self/limits (Node raises it to the hard limit
 * at startup); Infinity when unlimited, undefined when unknown. Read once.
 */
export function openFilesSoftLimit(): number | undefined {
  if (fileLimit === undefined) {
    try {
      const line = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'latin1'))
      fileLimit = line === null ? null : line[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(line[1])
    } catch {
      fileLimit = null
    }
  }
  return fileLimit ?? undefined
}
