/**
 * What a log relay and its supervisor say to each other. The relay (main.ts) is a process of its
 * own that owns the agent's output pipes, so the agent keeps running and logging when the
 * supervisor dies; it reports to the supervisor over one socket, as newline-delimited JSON.
 */
export type RelayStream = 'stdout' | 'stderr'

/** The relay's descriptors: what it reports on, and the agent's streams it reads. */
export const RELAY_FD = { report: 3, stdout: 4, stderr: 5 } as const

/** Handed to the relay as its one argument (JSON). */
export interface RelayConfig {
  /** Streams the relay reads (the agent's end is passed to the agent). */
  readonly inputs: readonly RelayStream[]
  /** Log file per stream; the same path for both is one combined file. */
  readonly files: Partial<Record<RelayStream, string>>
  readonly maxBytes: number
  readonly backups: number
  readonly maxLineBytes: number
  readonly maxQueueBytes: number
  readonly errorReportIntervalMs: number
  /** Streams whose lines are reported (for `agent:log` events and the stderr tail). */
  readonly report: readonly RelayStream[]
}

export type RelayMessage =
  /** The relay reads its inputs (sent once, first): what the agent wrote so far follows. */
  | { readonly t: 'ready' }
  /** One whole line of a stream (UTF-8). */
  | { readonly t: 'line'; readonly s: RelayStream; readonly l: string }
  /** A stream ended: every line of it was reported before. */
  | { readonly t: 'end'; readonly s: RelayStream }
  /** A log file failed (rate-limited: `suppressed` further failures since the last report). */
  | {
      readonly t: 'error'
      readonly path: string
      readonly message: string
      readonly code?: string
      readonly suppressed: number
    }
  /** Lines dropped so far (disk too slow, or failed writes). */
  | { readonly t: 'dropped'; readonly n: number }

export const encodeMessage = (message: RelayMessage): string => `${JSON.stringify(message)}\n`

/** A message line, or undefined when it is not one (never trusted blindly: a relay may be buggy). */
export function decodeMessage(line: string): RelayMessage | undefined {
  let m: Record<string, unknown>
  try {
    m = JSON.parse(line) as Record<string, unknown>
  } catch {
    return undefined
  }
  if (m === null || typeof m !== 'object') return undefined
  const stream = m.s === 'stdout' || m.s === 'stderr'
  switch (m.t) {
    case 'ready':
      return m as RelayMessage
    case 'line':
      return stream && typeof m.l === 'string' ? (m as RelayMessage) : undefined
    case 'end':
      return stream ? (m as RelayMessage) : undefined
    case 'error':
      return typeof m.path === 'string' && typeof m.message === 'string' && Number.isInteger(m.suppressed)
        ? (m as RelayMessage)
        : undefined
    case 'dropped':
      return Number.isInteger(m.n) ? (m as RelayMessage) : undefined
    default:
      return undefined
  }
}
