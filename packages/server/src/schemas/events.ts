import { type Static, Type } from '@sinclair/typebox'

export const EventsQuery = Type.Object(
  {
    /** Only this agent's events. */
    agent: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]{1,128}$' })),
  },
  { additionalProperties: false },
)
export type EventsQuery = Static<typeof EventsQuery>
