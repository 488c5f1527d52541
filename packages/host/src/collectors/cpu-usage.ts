import { CPU_MODES, type CpuTimes } from '../procfs/stat.js'

/** % of all cpu time spent in each mode between two readings. */
export type CpuModes = { readonly [K in (typeof CPU_MODES)[number]]: number }

export interface CpuUsage {
  /** % busy: everything but idle and iowait, 0–100. */
  readonly usagePercent: number
  readonly modes: CpuModes
}

/**
 * Usage between two readings of one cpu. A mode's counter that went back (iowait does: it is
 * sampled per runqueue) counts as 0, never negative. null when no time passed.
 */
export function cpuUsage(previous: CpuTimes, next: CpuTimes): CpuUsage | null {
  const deltas = CPU_MODES.map((mode) => Math.max(0, next[mode] - previous[mode]))
  const total = deltas.reduce((a, b) => a + b, 0)
  if (total === 0) return null
  const modes = Object.fromEntries(CPU_MODES.map((mode, i) => [mode, (deltas[i]! / total) * 100])) as CpuModes
  return { usagePercent: Math.max(0, 100 - modes.idle - modes.iowait), modes }
}
