import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

let clockTicks: number | undefined
let pageBytes: number | undefined

/** Runs `getconf <name>` once; `fallback` when getconf is missing or prints no positive integer. */
function getconf(name: string, fallback: number): number {
  try {
    const value = Number.parseInt(execFileSync('getconf', [name], { encoding: 'latin1', stdio: 'pipe' }), 10)
    return Number.isInteger(value) && value > 0 ? value : fallback
  } catch {
    return fallback
  }
}

/** USER_HZ: the unit of utime/stime/starttime in /proc/<pid>/stat. Found once (getconf), 100 if unknown. */
export function clockTicksPerSecond(): number {
  clockTicks ??= getconf('CLK_TCK', 100)
  return clockTicks
}

/** Page size in bytes. Found once (getconf), 4096 if unknown. */
export function pageSize(): number {
  pageBytes ??= getconf('PAGESIZE', 4096)
  return pageBytes
}

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
