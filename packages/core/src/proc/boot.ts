import { readFileSync } from 'node:fs'

/** USER_HZ: /proc times are in these ticks; 100 on every mainstream Linux ABI. */
export const CLOCK_TICKS_PER_SECOND = 100

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
  return boot === undefined ? undefined : boot + Math.round((startTicks * 1000) / CLOCK_TICKS_PER_SECOND)
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
