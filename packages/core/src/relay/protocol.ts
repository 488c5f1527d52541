/**
 * What the log relay (main.ts, one process per supervisor) and its supervisor say to each other,
 * as newline-delimited JSON over the relay's unix socket. Each connection starts with one line
 * that says what it is: `attach` (the supervisor's control connection: requests in, reports out),
 * or `stream` (one output stream of one agent process: the relay answers `ok`, then the
 * connection is the agent's stdout or stderr and carries raw output only).
 */
export type RelayStream = 'stdout' | 'stderr'

/** The relay's mark in its environment (its token): a recorded pid is trusted only with it. */
export const RELAY_ENV = 'WARDEN_LOG_RELAY'

/** A relay's descriptor on which it says `ready` once it listens (then it only waits for EOF). */
export const BIRTH_FD = 3

/** The answer on a stream connection once the relay reads it. */
export const STREAM_OK = 'ok'

/** The user a log file is created and rotated as (set when the agent runs as another user). */
export interface FileOwner {
  readonly uid: number
  readonly gid: number
}

/** Where one stream's lines go. */
export interface StreamFile {
  readonly path: string
  readonly maxBytes: number
  readonly backups: number
  readonly maxQueueBytes: number
  readonly errorReportIntervalMs: number
  readonly owner?: FileOwner
}

/** The first line of a stream connection. */
export interface StreamHello {
  readonly t: 'stream'
  /** The agent's id. */
  readonly a: string
  /** The agent process's key (random, one per spawn): its lines are told from its successor's. */
  readonly p: string
  readonly s: RelayStream
  readonly file?: StreamFile
  /** Whether the lines are reported (for `agent:log` events and the stderr tail). */
  readonly report: boolean
  readonly maxLineBytes: number
}

/** Supervisor → relay, on the control connection (after its first line, `{ t: 'attach' }`). */
export type RelayRequest =
  /** Answer `flushed` once every stream of the agent open now has ended and its lines are written. */
  | { readonly t: 'flush'; readonly q: number; readonly a: string }
  /** Close the agent's streams now (what was read is still written). */
  | { readonly t: 'cut'; readonly a: string }
  /** Close every stream, write what was read, exit. */
  | { readonly t: 'stop' }

/** Relay → supervisor, on the control connection. */
export type RelayMessage =
  /** The attach was taken: the relay's pid, and the streams open per agent. */
  | { readonly t: 'attached'; readonly pid: number; readonly open: Readonly<Record<string, number>> }
  /** One whole line of a reported stream (UTF-8). */
  | {
      readonly t: 'line'
      readonly a: string
      readonly p: string
      readonly s: RelayStream
      readonly l: string
    }
  /** A stream ended: every line of it was reported before. */
  | { readonly t: 'end'; readonly a: string; readonly p: string; readonly s: RelayStream }
  /** A log file failed (rate-limited: `suppressed` further failures since the last report). */
  | {
      readonly t: 'error'
      readonly a: string
      readonly path: string
      readonly message: string
      readonly code?: string
      readonly suppressed: number
    }
  /** Lines of the agent dropped since the last report (disk too slow, or failed writes). */
  | { readonly t: 'dropped'; readonly a: string; readonly n: number }
  | { readonly t: 'flushed'; readonly q: number }

export const encode = (message: object): string => `${JSON.stringify(message)}\n`

type Json = Record<string, unknown>

function parse(line: string): Json | undefined {
  try {
    const v = JSON.parse(line) as unknown
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined
  } catch {
    return undefined
  }
}

const isStream = (v: unknown): v is RelayStream => v === 'stdout' || v === 'stderr'
const isString = (v: unknown): v is string => typeof v === 'string'
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0
const isId = (v: unknown): v is number =>
  Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32

function isFile(v: unknown): v is StreamFile {
  if (v === null || typeof v !== 'object') return false
  const f = v as Json
  const owner = f.owner as Json | undefined
  return (
    isString(f.path) &&
    !f.path.includes('\0') &&
    isCount(f.maxBytes) &&
    isCount(f.backups) &&
    isCount(f.maxQueueBytes) &&
    isCount(f.errorReportIntervalMs) &&
    (owner === undefined ||
      (typeof owner === 'object' && owner !== null && isId(owner.uid) && isId(owner.gid)))
  )
}

/** The first line of a connection, or undefined when it is neither an attach nor a valid stream. */
export function decodeHello(line: string): StreamHello | { readonly t: 'attach' } | undefined {
  const m = parse(line)
  if (m?.t === 'attach') return { t: 'attach' }
  if (m?.t !== 'stream') return undefined
  const ok =
    isString(m.a) &&
    isString(m.p) &&
    isStream(m.s) &&
    (m.file === undefined || isFile(m.file)) &&
    typeof m.report === 'boolean' &&
    isCount(m.maxLineBytes) &&
    (m.maxLineBytes as number) > 0
  return ok ? (m as unknown as StreamHello) : undefined
}

/** A control request, or undefined when it is not one. */
export function decodeRequest(line: string): RelayRequest | undefined {
  const m = parse(line)
  switch (m?.t) {
    case 'flush':
      return isCount(m.q) && isString(m.a) ? (m as unknown as RelayRequest) : undefined
    case 'cut':
      return isString(m.a) ? (m as unknown as RelayRequest) : undefined
    case 'stop':
      return { t: 'stop' }
    default:
      return undefined
  }
}

/** A report, or undefined when it is not one (never trusted blindly: a relay may be buggy). */
export function decodeMessage(line: string): RelayMessage | undefined {
  const m = parse(line)
  const ofStream = isString(m?.a) && isString(m?.p) && isStream(m?.s)
  switch (m?.t) {
    case 'attached': {
      const open = m.open as Json | null
      const valid =
        isCount(m.pid) && typeof open === 'object' && open !== null && Object.values(open).every(isCount)
      return valid ? (m as unknown as RelayMessage) : undefined
    }
    case 'line':
      return ofStream && isString(m.l) ? (m as unknown as RelayMessage) : undefined
    case 'end':
      return ofStream ? (m as unknown as RelayMessage) : undefined
    case 'error':
      return isString(m.a) && isString(m.path) && isString(m.message) && isCount(m.suppressed)
        ? (m as unknown as RelayMessage)
        : undefined
    case 'dropped':
      return isString(m.a) && isCount(m.n) ? (m as unknown as RelayMessage) : undefined
    case 'flushed':
      return isCount(m.q) ? (m as unknown as RelayMessage) : undefined
    default:
      return undefined
  }
}
