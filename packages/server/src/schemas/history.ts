import { type Static, Type } from '@sinclair/typebox'
import { Point } from './agent.js'
import { Nullable, NullableNumber } from './common.js'
import { Duration, TimeParam } from './duration.js'

/** What `fields` may name: a gauge, or a disk counter (`…Bytes` in points, `…Rate` in buckets). */
export const HISTORY_FIELDS = {
  cpuPercent: ['cpuPercent', 'cpuPercent'],
  memoryRss: ['memoryRss', 'memoryRss'],
  memoryVms: ['memoryVms', 'memoryVms'],
  openFiles: ['openFiles', 'openFiles'],
  threads: ['threads', 'threads'],
  diskRead: ['diskReadBytes', 'diskReadRate'],
  diskWrite: ['diskWriteBytes', 'diskWriteRate'],
} as const satisfies Record<string, readonly [point: string, bucket: string]>
const FIELD = `(${Object.keys(HISTORY_FIELDS).join('|')})`

export const HistoryQuery = Type.Object(
  {
    since: Type.Optional(TimeParam),
    until: Type.Optional(TimeParam),
    /** Bucket width: raw points without it, aggregated buckets with it. */
    interval: Type.Optional(Duration),
    /** Only these columns (comma-separated), besides the times and counts: a smaller answer. */
    fields: Type.Optional(
      Type.String({ pattern: `^${FIELD}(,${FIELD})*$`, description: Object.keys(HISTORY_FIELDS).join(', ') }),
    ),
  },
  { additionalProperties: false },
)
export type HistoryQuery = Static<typeof HistoryQuery>

const Gauge = Type.Object({
  avg: NullableNumber,
  min: NullableNumber,
  max: NullableNumber,
  count: Type.Integer(),
})

/** An `AggregatedBucket` of @warden/store: avg/min/max per gauge, bytes/s per counter. */
export const Bucket = Type.Object({
  start: Type.Number(),
  end: Type.Number(),
  count: Type.Integer(),
  cpuPercent: Gauge,
  memoryRss: Gauge,
  memoryVms: Gauge,
  openFiles: Gauge,
  threads: Gauge,
  diskReadRate: NullableNumber,
  diskWriteRate: NullableNumber,
})

/** A point or a bucket as `/v1/agents/:id/history` answers them: without the columns `fields` left out. */
const HistoryPoint = Type.Partial(Point)
// One object schema, not an intersection: fast-json-stringify serializes an allOf several times slower.
const HistoryBucket = Type.Composite([
  Type.Pick(Bucket, ['start', 'end', 'count']),
  Type.Partial(Type.Omit(Bucket, ['start', 'end', 'count'])),
])

export const History = Type.Object({
  agent: Type.String(),
  since: Nullable(Type.Number()),
  until: Nullable(Type.Number()),
  /** `'raw'`, or the `intervalMs` of the rollup tier that answered. */
  tier: Type.Union([Type.Literal('raw'), Type.Number()]),
  /** Oldest time the answering level holds (null: all it ever got); a `since` before it was only partly covered. */
  coveredSince: Nullable(Type.Number()),
  /** The bucket width asked for; null for raw points. */
  intervalMs: Nullable(Type.Number()),
  points: Type.Optional(Type.Array(HistoryPoint)),
  buckets: Type.Optional(Type.Array(HistoryBucket)),
})
export type History = Static<typeof History>

export const AgentsHistoryQuery = Type.Object(
  {
    since: Type.Optional(TimeParam),
    until: Type.Optional(TimeParam),
    /** Bucket width (required: this route answers buckets only). */
    interval: Duration,
    fields: HistoryQuery.properties.fields,
  },
  { additionalProperties: false },
)
export type AgentsHistoryQuery = Static<typeof AgentsHistoryQuery>

const Column = Type.Optional(Type.Array(NullableNumber))

/**
 * `/v1/history/agents`: every supervised agent's buckets in one answer, as columns (one array per
 * field, index i = bucket i), with each gauge's average and each counter's rate: the dashboard's
 * compact form. `/v1/agents/:id/history` has min, max and count per gauge.
 */
export const AgentsHistory = Type.Object({
  since: Nullable(Type.Number()),
  until: Nullable(Type.Number()),
  intervalMs: Type.Number(),
  agents: Type.Array(
    Type.Object({
      agent: Type.String(),
      tier: History.properties.tier,
      coveredSince: Nullable(Type.Number()),
      /** Each bucket's start (ms since epoch). */
      start: Type.Array(Type.Number()),
      /** Points in each bucket. */
      count: Type.Array(Type.Integer()),
      cpuPercent: Column,
      memoryRss: Column,
      memoryVms: Column,
      openFiles: Column,
      threads: Column,
      diskReadRate: Column,
      diskWriteRate: Column,
    }),
  ),
})
export type AgentsHistory = Static<typeof AgentsHistory>

export const HostHistoryQuery = Type.Object(
  {
    since: Type.Optional(TimeParam),
    until: Type.Optional(TimeParam),
    interval: Type.Optional(Duration),
    /** One collector's columns. */
    collector: Type.Optional(
      Type.Union(['cpu', 'memory', 'disks', 'temperature', 'gpu', 'systemd'].map((c) => Type.Literal(c))),
    ),
  },
  { additionalProperties: false },
)
export type HostHistoryQuery = Static<typeof HostHistoryQuery>

/** A `HostBucket` of @warden/host: `start`, `end`, `count`, stats per gauge, a rate per counter. */
const HostBucket = Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null(), Gauge]))

/** `/v1/host/history`: the host's recorded ticks (`points`) or buckets of them (`buckets`, with `interval`). */
export const HostHistory = Type.Object({
  since: Nullable(Type.Number()),
  until: Nullable(Type.Number()),
  /** `'raw'`, or the `intervalMs` of the rollup tier that answered. */
  tier: Type.Union([Type.Literal('raw'), Type.Number()]),
  coveredSince: Nullable(Type.Number()),
  intervalMs: Nullable(Type.Number()),
  /** The collector whose columns were asked for; null for all. */
  collector: Nullable(Type.String()),
  points: Type.Optional(Type.Array(Type.Record(Type.String(), Nullable(Type.Number())))),
  buckets: Type.Optional(Type.Array(HostBucket)),
})
export type HostHistory = Static<typeof HostHistory>
