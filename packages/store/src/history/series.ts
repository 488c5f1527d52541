import { InvalidOptionError } from '../errors.js'
import { knownKeys } from '../validate.js'

/** What `defineSeries` takes: the columns a history keeps besides `timestamp`. */
export interface SeriesSpec {
  /** Values now, aggregated as avg/min/max. Their order fixes their slot in records and files. */
  readonly gauges: readonly string[]
  /** Cumulative values that only grow, aggregated as a per-second rate. @default [] */
  readonly counters?: readonly string[]
  /** Name of each counter's rate in aggregated buckets. @default `${counter}Rate` */
  readonly rates?: Readonly<Record<string, string>>
  /** Gauges or extras holding counts: stored as Int32 (half the memory), must be integers ≤ 2³¹−1. @default [] */
  readonly integers?: readonly string[]
  /** Raw-only columns (not aggregated), left out of a point, and of a file, when absent. At most 8. @default [] */
  readonly extras?: readonly string[]
}

/** A validated, frozen column declaration (what `defineSeries` returns). */
export interface Series {
  readonly gauges: readonly string[]
  readonly counters: readonly string[]
  /** Counter name → rate name in buckets. */
  readonly rates: Readonly<Record<string, string>>
  readonly integers: ReadonlySet<string>
  readonly extras: readonly string[]
  /** `timestamp`, gauges, counters, extras: the storage order of raw columns. */
  readonly columns: readonly string[]
  /** Per column: stored as Int32. */
  readonly isInt: readonly boolean[]
  /** Column index of the first gauge (1), counter and extra. */
  readonly gaugeCol: number
  readonly counterCol: number
  readonly extraCol: number
  /** Offset of the counters in a bucket record, and the record's length (see record.ts). */
  readonly cBase: number
  readonly recordSize: number
  /** Whether a point may carry keys that are not columns (only the process point: agents' points always could). */
  readonly ignoresUnknownKeys: boolean
  /** Columns but the extras in the key order of the points a history returns (the process point keeps its historical order). */
  readonly pointOrder: readonly number[]
}

/** A column name safe as a JSON key, an object key and a file column: no `__proto__`, no dots or spaces. */
const NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/
/** Keys of a point or a bucket that no column or rate may take. */
const RESERVED = new Set(['timestamp', 'start', 'end', 'count'])
const MAX_COLUMNS = 256
/** The journal flags each extra's presence with one bit of a byte. */
const MAX_EXTRAS = 8
const DEFINED = new WeakSet<Series>()

function names(option: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw new InvalidOptionError({ option, expected: 'an array of names', value })
  return value.map((name: unknown, i) => {
    if (typeof name !== 'string' || !NAME.test(name) || RESERVED.has(name)) {
      throw new InvalidOptionError({
        option: `${option}[${i}]`,
        expected: `a name of 1-64 letters, digits or _ starting with a letter, not ${[...RESERVED].join('/')}`,
        value: name,
      })
    }
    return name
  })
}

/**
 * Validates a column declaration and freezes it. Names must be unique across gauges, counters,
 * extras and rates, since they share a point's (and a bucket's) keys.
 */
export function defineSeries(spec: SeriesSpec, prefix = ''): Series {
  return makeSeries(spec, prefix, false)
}

function makeSeries(
  spec: SeriesSpec,
  prefix: string,
  ignoresUnknownKeys: boolean,
  pointKeys?: readonly string[],
): Series {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new InvalidOptionError({ option: prefix || 'series', expected: 'an object', value: spec })
  }
  knownKeys('the series declaration', spec, ['gauges', 'counters', 'rates', 'integers', 'extras'], prefix)
  const gauges = names(`${prefix}gauges`, spec.gauges)
  const counters = names(`${prefix}counters`, spec.counters ?? [])
  const extras = names(`${prefix}extras`, spec.extras ?? [])
  const integers = names(`${prefix}integers`, spec.integers ?? [])
  if (gauges.length + counters.length === 0) {
    throw new InvalidOptionError({
      option: `${prefix}gauges`,
      expected: 'at least one gauge or counter',
      value: spec.gauges,
    })
  }
  if (extras.length > MAX_EXTRAS) {
    throw new InvalidOptionError({
      option: `${prefix}extras`,
      expected: `at most ${MAX_EXTRAS} names`,
      value: extras,
    })
  }
  const rawRates = spec.rates ?? {}
  if (rawRates === null || typeof rawRates !== 'object' || Array.isArray(rawRates)) {
    throw new InvalidOptionError({ option: `${prefix}rates`, expected: 'an object', value: rawRates })
  }
  knownKeys('the series rates (one per counter)', rawRates, counters, `${prefix}rates.`)
  const rates: Record<string, string> = {}
  for (const c of counters) {
    const rate = (rawRates as Record<string, unknown>)[c] ?? `${c}Rate`
    rates[c] = names(`${prefix}rates.${c}`, [rate])[0]!
  }
  const columns = ['timestamp', ...gauges, ...counters, ...extras]
  if (columns.length > MAX_COLUMNS) {
    throw new InvalidOptionError({
      option: prefix || 'series',
      expected: `at most ${MAX_COLUMNS} columns`,
      value: columns.length,
    })
  }
  const seen = new Set<string>()
  for (const name of [...columns.slice(1), ...Object.values(rates)]) {
    if (seen.has(name)) {
      throw new InvalidOptionError({
        option: prefix || 'series',
        expected: 'unique names across gauges, counters, extras and rates',
        value: name,
      })
    }
    seen.add(name)
  }
  for (const [i, name] of integers.entries()) {
    if (!gauges.includes(name) && !extras.includes(name)) {
      throw new InvalidOptionError({
        option: `${prefix}integers[${i}]`,
        expected: 'a gauge or an extra',
        value: name,
      })
    }
  }
  const intSet = new Set(integers)
  const cBase = 1 + gauges.length * 4
  const series: Series = Object.freeze({
    gauges: Object.freeze(gauges),
    counters: Object.freeze(counters),
    rates: Object.freeze(rates),
    integers: intSet,
    extras: Object.freeze(extras),
    columns: Object.freeze(columns),
    isInt: Object.freeze(columns.map((c) => intSet.has(c))),
    gaugeCol: 1,
    counterCol: 1 + gauges.length,
    extraCol: 1 + gauges.length + counters.length,
    cBase,
    recordSize: cBase + counters.length * 3,
    ignoresUnknownKeys,
    pointOrder: Object.freeze(
      pointKeys === undefined
        ? columns.slice(0, 1 + gauges.length + counters.length).map((_, c) => c)
        : pointKeys.map((k) => columns.indexOf(k)),
    ),
  })
  DEFINED.add(series)
  return series
}

/** `value` itself when `defineSeries` made it, else `defineSeries(value)`. */
export function resolveSeries(value: unknown, prefix: string): Series {
  return DEFINED.has(value as Series) ? (value as Series) : defineSeries(value as SeriesSpec, prefix)
}

/** Whether two declarations keep the same columns the same way (files and journals of one read as the other). */
export function sameSeries(a: Series, b: Series): boolean {
  if (a === b) return true
  const key = (s: Series): string =>
    JSON.stringify([
      s.columns,
      s.counters.map((c) => s.rates[c]),
      [...s.integers].sort(),
      s.extras,
      s.ignoresUnknownKeys,
    ])
  return key(a) === key(b)
}

/**
 * An agent's process point (`ResourceDataPoint`): the default declaration, which every agent's
 * file and journal record is laid out by.
 */
export const PROCESS_SERIES: Series = makeSeries(
  {
    gauges: ['cpuPercent', 'memoryRss', 'memoryVms', 'openFiles', 'threads'],
    counters: ['diskReadBytes', 'diskWriteBytes'],
    rates: { diskReadBytes: 'diskReadRate', diskWriteBytes: 'diskWriteRate' },
    integers: ['openFiles', 'threads', 'processes', 'oomKills'],
    // Appended, never reordered: each extra's journal flag bit is its position here. Seven of the
    // eight bits: an unknown flag still tells a damaged record (memoryPeak stays live-only).
    extras: [
      'processes',
      'cpuSeconds',
      'memoryCurrent',
      'oomKills',
      'cpuPressure',
      'memoryPressure',
      'ioPressure',
    ],
  },
  '',
  true,
  // The order `range()` has always returned a process point's keys in.
  [
    'timestamp',
    'cpuPercent',
    'memoryRss',
    'memoryVms',
    'diskReadBytes',
    'diskWriteBytes',
    'openFiles',
    'threads',
  ],
)
