import { ParseError } from '../errors.js'

export interface LoadAverage {
  /** Runnable + uninterruptible tasks, exponentially averaged over 1 minute. */
  readonly one: number
  readonly five: number
  readonly fifteen: number
  /** Tasks runnable now. */
  readonly runnable: number
  /** Tasks (threads) that exist now. */
  readonly tasks: number
}

/** Parses /proc/loadavg: `0.52 0.58 0.59 2/345 12345`. */
export function parseLoadavg(text: string): LoadAverage {
  const m = /^(\d+\.\d+) (\d+\.\d+) (\d+\.\d+) (\d+)\/(\d+)/.exec(text)
  if (m === null)
    throw new ParseError({ source: '/proc/loadavg', message: JSON.stringify(text.slice(0, 80)) })
  return {
    one: Number(m[1]),
    five: Number(m[2]),
    fifteen: Number(m[3]),
    runnable: Number(m[4]),
    tasks: Number(m[5]),
  }
}
