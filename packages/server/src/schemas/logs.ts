import { type Static, Type } from '@sinclair/typebox'

export const MAX_LOG_LINES = 10_000

export const LogsQuery = Type.Object(
  {
    lines: Type.Integer({ minimum: 1, maximum: MAX_LOG_LINES, default: 100 }),
    stream: Type.Union([Type.Literal('stdout'), Type.Literal('stderr')], { default: 'stdout' }),
    /** Keep the response open as Server-Sent Events, one `lines` event per batch of new lines. */
    follow: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
)
export type LogsQuery = Static<typeof LogsQuery>

export const Logs = Type.Object({
  agent: Type.String(),
  stream: Type.String(),
  lines: Type.Array(Type.String()),
})
