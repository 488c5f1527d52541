import { type Static, Type } from '@sinclair/typebox'
import { Point } from './agent.js'
import { Nullable } from './common.js'
import { Duration, TimeParam } from './duration.js'

export const HistoryQuery = Type.Object(
  {
    since: Type.Optional(TimeParam),
    until: Type.Optional(TimeParam),
    /** Bucket width: raw points without it, aggregated buckets with it. */
    interval: Type.Optional(Duration),
  },
  { additionalProperties: false },
)
export type HistoryQuery = Static<typeof HistoryQuery>

const Gauge = Type.Object({
  avg: Nullable(Type.Number()),
  min: Nullable(Type.Number()),
  max: Nullable(Type.Number()),
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
  diskReadRate: Nullable(Type.Number()),
  diskWriteRate: Nullable(Type.Number()),
})

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
  points: Type.Optional(Type.Array(Point)),
  buckets: Type.Optional(Type.Array(Bucket)),
})
export type History = Static<typeof History>

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
