import { type Static, Type } from '@sinclair/typebox'
import { Nullable } from './common.js'
import { TimeParam } from './duration.js'

const AGENT_ID = Type.String({ pattern: '^[A-Za-z0-9._-]{1,128}$' })

export const EventsQuery = Type.Object(
  {
    /** Only this agent's events. */
    agent: Type.Optional(AGENT_ID),
  },
  { additionalProperties: false },
)
export type EventsQuery = Static<typeof EventsQuery>

export const RecentEventsQuery = Type.Object(
  {
    /** Events at or after this time: epoch ms, or a duration meaning that long ago (`7d`). */
    since: Type.Optional(TimeParam),
    /** Only this agent's events. */
    agent: Type.Optional(AGENT_ID),
  },
  { additionalProperties: false },
)
export type RecentEventsQuery = Static<typeof RecentEventsQuery>

/** One kept event, as `/v1/events` sent it, with the time the server saw it. */
export const RecentEvent = Type.Object({
  /** The SSE `id` it had: resume `/v1/events` after it with `Last-Event-ID`. */
  id: Type.Integer(),
  event: Type.String(),
  agent: Type.String(),
  /** ms since epoch when the server saw it. */
  time: Type.Number(),
  /** The payload `/v1/events` sent as `data`. */
  data: Type.Unknown(),
})

export const RecentEvents = Type.Object({
  events: Type.Array(RecentEvent),
  /** Time of the oldest event kept (null: none yet): nothing older can be answered. */
  keptSince: Nullable(Type.Number()),
  /** How many events the server keeps at most (`keptEvents`). */
  keep: Type.Integer(),
  /** The newest event's id (0 before any): `Last-Event-ID` to follow on from this answer. */
  lastId: Type.Integer(),
})
export type RecentEvents = Static<typeof RecentEvents>
