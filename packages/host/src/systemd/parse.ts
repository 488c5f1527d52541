import { ParseError } from '../errors.js'

/** One unit as `systemctl show` describes it. */
export interface SystemdUnit {
  /** The unit's name, e.g. `nginx.service`. */
  readonly unit: string
  readonly description: string | null
  /** `loaded`, `not-found`, `masked`, `error`, … */
  readonly loadState: string
  /** `active`, `inactive`, `failed`, `activating`, `deactivating`, `reloading`. */
  readonly activeState: string
  /** The unit type's own state: `running`, `exited`, `dead`, `auto-restart`, … */
  readonly subState: string
  /** `enabled`, `disabled`, `static`, …; null when not set. */
  readonly unitFileState: string | null
  /** The main process; null when there is none (0). */
  readonly mainPid: number | null
  /** Restarts systemd made since the unit was loaded (a counter); null when not set. */
  readonly restarts: number | null
  /** When the main process was started, ms since epoch; null when it never was. */
  readonly startedAt: number | null
  /** When the unit last entered `active`, ms since epoch; null when it never did. */
  readonly activeSince: number | null
  /** cgroup memory, bytes; null without memory accounting. */
  readonly memoryBytes: number | null
  /** cgroup cpu time, ms (a counter); null without cpu accounting. */
  readonly cpuUsageMs: number | null
  /** Tasks in the unit's cgroup; null without tasks accounting. */
  readonly tasks: number | null
}

/** The properties asked of `systemctl show`. */
export const UNIT_PROPERTIES = [
  'Id',
  'Description',
  'LoadState',
  'ActiveState',
  'SubState',
  'UnitFileState',
  'MainPID',
  'NRestarts',
  'ExecMainStartTimestamp',
  'ExecMainStartTimestampMonotonic',
  'ActiveEnterTimestampMonotonic',
  'MemoryCurrent',
  'CPUUsageNSec',
  'TasksCurrent',
]

/** Splits `systemctl show` output into records (blank-line separated `Key=Value` lines). */
export function parseShowRecords(text: string): Map<string, string>[] {
  const records: Map<string, string>[] = []
  let current: Map<string, string> | undefined
  for (const line of text.split('\n')) {
    if (line === '') {
      current = undefined
      continue
    }
    const eq = line.indexOf('=')
    if (eq <= 0) throw new ParseError({ source: 'systemctl show', message: JSON.stringify(line) })
    if (current === undefined) {
      current = new Map()
      records.push(current)
    }
    current.set(line.slice(0, eq), line.slice(eq + 1))
  }
  return records
}

/** The wall-clock reading of the monotonic clock now, for turning systemd's monotonic stamps into dates. */
export interface ClockPair {
  /** ms since epoch. */
  readonly wallMs: number
  /** CLOCK_MONOTONIC, µs (what systemd's `…TimestampMonotonic` properties count in). */
  readonly monotonicUs: number
}

/** An unset value: systemd prints `[not set]` (newer) or an empty string, and 2⁶⁴−1 for "infinity/unknown". */
function isUnset(value: string | undefined): value is undefined {
  return value === undefined || value === '' || value === '[not set]' || value === '18446744073709551615'
}

function count(value: string | undefined): number | null {
  if (isUnset(value)) return null
  const n = Number(value)
  return Number.isFinite(n) ? n : null
}

/**
 * A `…TimestampMonotonic` (µs of CLOCK_MONOTONIC, 0 = never) as ms since epoch: exact whatever
 * the timezone. Falls back to the text form when only that is there (`@1715682151`, or
 * `Tue 2024-05-14 10:22:31 UTC`; a zone name other than UTC cannot be read and gives null).
 */
function timestamp(monotonic: string | undefined, text: string | undefined, clock: ClockPair): number | null {
  const us = count(monotonic)
  if (us !== null) return us === 0 ? null : Math.round(clock.wallMs - (clock.monotonicUs - us) / 1000)
  if (isUnset(text) || text === 'n/a') return null
  const at = /^@(\d+)$/.exec(text)
  if (at !== null) return Number(at[1]) * 1000
  const ms = Date.parse(
    text
      .replace(/^[A-Z][a-z]{2} /, '')
      .replace(/ UTC$/, 'Z')
      .replace(' ', 'T'),
  )
  return Number.isFinite(ms) ? ms : null
}

/** One `systemctl show` record as a unit. */
export function unitOf(record: ReadonlyMap<string, string>, clock: ClockPair): SystemdUnit {
  const id = record.get('Id')
  if (id === undefined || id === '')
    throw new ParseError({ source: 'systemctl show', message: 'a record without Id' })
  const cpuNs = count(record.get('CPUUsageNSec'))
  const mainPid = count(record.get('MainPID'))
  return {
    unit: id,
    description: record.get('Description') || null,
    loadState: record.get('LoadState') ?? 'unknown',
    activeState: record.get('ActiveState') ?? 'unknown',
    subState: record.get('SubState') ?? 'unknown',
    unitFileState: record.get('UnitFileState') || null,
    mainPid: mainPid === 0 ? null : mainPid,
    restarts: count(record.get('NRestarts')),
    startedAt: timestamp(
      record.get('ExecMainStartTimestampMonotonic'),
      record.get('ExecMainStartTimestamp'),
      clock,
    ),
    activeSince: timestamp(record.get('ActiveEnterTimestampMonotonic'), undefined, clock),
    memoryBytes: count(record.get('MemoryCurrent')),
    cpuUsageMs: cpuNs === null ? null : cpuNs / 1e6,
    tasks: count(record.get('TasksCurrent')),
  }
}

/** One line of `systemctl list-units --type=service --all --plain --no-legend`. */
export interface ListedUnit {
  readonly unit: string
  readonly loadState: string
  readonly activeState: string
  readonly subState: string
  readonly description: string
}

/** Parses `list-units` lines: `unit load active sub description…` (a leading `●` marks failed or not-found units). */
export function parseListUnits(text: string): ListedUnit[] {
  const units: ListedUnit[] = []
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^\s*[●*]\s*/, '').trim()
    if (line === '') continue
    const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*(.*)$/.exec(line)
    if (m === null) throw new ParseError({ source: 'systemctl list-units', message: JSON.stringify(raw) })
    units.push({ unit: m[1]!, loadState: m[2]!, activeState: m[3]!, subState: m[4]!, description: m[5]! })
  }
  return units
}
