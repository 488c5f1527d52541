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

/** USER_HZ: the unit of utime/stime/starttime in /proc/<pid>/stat. Asked once (getconf CLK_TCK), 100 if unknown. */
export function clockTicksPerSecond(): number {
  clockTicks ??= getconf('CLK_TCK', 100)
  return clockTicks
}

/** Page size in bytes. Asked once (getconf PAGESIZE), 4096 if unknown. */
export function pageSize(): number {
  pageBytes ??= getconf('PAGESIZE', 4096)
  return pageBytes
}

let bootTimeMs: number | undefined

/** Boot time in ms since epoch (`btime` of /proc/stat), or undefined off Linux. */
export function bootTime(): number | undefined {
  if (bootTimeMs !== undefined) return bootTimeMs
  try {
    const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'))
    if (m) bootTimeMs = Number(m[1]) * 1000
  } catch {
    // Not Linux.
  }
  return bootTimeMs
}

/** Wall-clock start (ms since epoch) of a process from its start ticks; undefined when unknown. */
export function startTimeFromTicks(startTicks: number): number | undefined {
  const boot = bootTime()
  return boot === undefined ? undefined : boot + Math.round((startTicks * 1000) / clockTicksPerSecond())
}

let bootIdValue: string | null | undefined

/** This boot's id (`/proc/sys/kernel/random/boot_id`), or null when unknown: start ticks only mean something within one boot. */
export function bootId(): string | null {
  if (bootIdValue !== undefined) return bootIdValue
  try {
    bootIdValue = readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim() || null
  } catch {
    bootIdValue = null
  }
  return bootIdValue
}
