import { execFileSync } from 'node:child_process'

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
