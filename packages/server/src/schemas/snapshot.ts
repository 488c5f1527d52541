import { type Static, Type } from '@sinclair/typebox'
import { AgentView } from './agent.js'
import { Nullable } from './common.js'

export const Snapshot = Type.Object({
  node: Type.Object({ id: Type.String() }),
  /** ms since epoch when the snapshot was taken. */
  time: Type.Number(),
  /** Every host collector's latest result; null without a host monitor or before its first tick. */
  host: Nullable(
    Type.Object({
      at: Type.Number(),
      durationMs: Type.Number(),
      collectors: Type.Record(Type.String(), Type.Unknown()),
    }),
  ),
  agents: Type.Array(AgentView),
})
export type Snapshot = Static<typeof Snapshot>
