import { ParseError } from '../errors.js'

/** Cumulative time per mode of one cpu line of /proc/stat, in clock ticks (USER_HZ). */
export interface CpuTimes {
  readonly user: number
  readonly nice: number
  readonly system: number
  readonly idle: number
  readonly iowait: number
  readonly irq: number
  readonly softirq: number
  readonly steal: number
}

/** The cpu lines of /proc/stat: the `cpu` total and each `cpuN` (an offline cpu has no line). */
export interface ProcStatCpus {
  readonly total: CpuTimes
  readonly cores: ReadonlyMap<number, CpuTimes>
}

/** The modes that add up to all cpu time; guest and guest_nice are already inside user and nice. */
export const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const

function times(fields: readonly string[], line: string): CpuTimes {
  const n = (i: number): number => {
    const value = fields[i] === undefined ? 0 : Number(fields[i])
    if (!Number.isFinite(value))
      throw new ParseError({ source: '/proc/stat', message: `bad number in "${line}"` })
    return value
  }
  // Fields a kernel is too old to print (steal before 2.6.11) count as 0.
  return {
    user: n(1),
    nice: n(2),
    system: n(3),
    idle: n(4),
    iowait: n(5),
    irq: n(6),
    softirq: n(7),
    steal: n(8),
  }
}

/** Parses the leading `cpu` lines of /proc/stat (the text may stop after them). */
export function parseProcStat(text: string): ProcStatCpus {
  let total: CpuTimes | undefined
  const cores = new Map<number, CpuTimes>()
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) break
    const fields = line.split(/\s+/)
    const label = fields[0]!
    if (label === 'cpu') total = times(fields, line)
    else cores.set(Number(label.slice(3)), times(fields, line))
  }
  if (total === undefined) throw new ParseError({ source: '/proc/stat', message: 'no "cpu" line' })
  return { total, cores }
}
