import { ParseError } from '../errors.js'

/** One line of a /proc/pressure file. */
export interface PressureLine {
  /** % of wall time some (or all) tasks were stalled, averaged over 10 s. */
  readonly avg10: number
  readonly avg60: number
  readonly avg300: number
  /** Cumulative stall time, µs (a counter). */
  readonly totalUs: number
}

/** Pressure stall information of one resource. */
export interface Pressure {
  /** Some task was stalled on the resource. */
  readonly some: PressureLine
  /** All non-idle tasks were stalled at once; null where the kernel prints no `full` line (cpu before 5.13). */
  readonly full: PressureLine | null
}

const LINE = /^(some|full) avg10=(\d+\.\d+) avg60=(\d+\.\d+) avg300=(\d+\.\d+) total=(\d+)$/

/** Parses /proc/pressure/{cpu,memory,io}. */
export function parsePressure(text: string, source: string): Pressure {
  let some: PressureLine | undefined
  let full: PressureLine | null = null
  for (const line of text.split('\n')) {
    if (line === '') continue
    const m = LINE.exec(line)
    if (m === null) throw new ParseError({ source, message: JSON.stringify(line) })
    const parsed = { avg10: Number(m[2]), avg60: Number(m[3]), avg300: Number(m[4]), totalUs: Number(m[5]) }
    if (m[1] === 'some') some = parsed
    else full = parsed
  }
  if (some === undefined) throw new ParseError({ source, message: 'no "some" line' })
  return { some, full }
}
