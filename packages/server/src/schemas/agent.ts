import { type Static, Type } from '@sinclair/typebox'
import { Nullable } from './common.js'

/** A `ResourceDataPoint` of @warden/store, in its units (bytes, % of one core, counts). */
export const Point = Type.Object({
  timestamp: Type.Number({ description: 'ms since epoch' }),
  cpuPercent: Nullable(Type.Number({ description: '% of one core; null on a process’s first sample' })),
  memoryRss: Type.Number({ description: 'bytes' }),
  memoryVms: Nullable(Type.Number({ description: 'bytes' })),
  diskReadBytes: Nullable(Type.Number({ description: 'cumulative bytes' })),
  diskWriteBytes: Nullable(Type.Number({ description: 'cumulative bytes' })),
  openFiles: Nullable(Type.Number()),
  threads: Nullable(Type.Number()),
  processes: Type.Optional(Type.Integer()),
  // From the agent's cgroup (see @warden/monitor): absent or null without one, or without the controller.
  cpuSeconds: Type.Optional(Nullable(Type.Number({ description: 'cumulative cpu seconds of the cgroup' }))),
  memoryCurrent: Type.Optional(Nullable(Type.Number({ description: 'bytes charged to the cgroup' }))),
  memoryPeak: Type.Optional(Nullable(Type.Number({ description: 'bytes' }))),
  oomKills: Type.Optional(Nullable(Type.Integer({ description: 'cumulative OOM kills in the cgroup' }))),
  cpuPressure: Type.Optional(Nullable(Type.Number({ description: '% of time some task waited for cpu' }))),
  memoryPressure: Type.Optional(
    Nullable(Type.Number({ description: '% of time some task stalled on memory' })),
  ),
  ioPressure: Type.Optional(Nullable(Type.Number({ description: '% of time some task stalled on I/O' }))),
})

/** An open alert episode (latest warning or error of it). */
export const Episode = Type.Object({
  resource: Type.String(),
  level: Type.Union([Type.Literal('warning'), Type.Literal('error')]),
  value: Type.Number(),
  threshold: Type.Number(),
  since: Type.Number(),
  at: Type.Number(),
  exceededForMs: Type.Number(),
  repeat: Type.Integer(),
})

export const AgentView = Type.Object({
  id: Type.String(),
  type: Nullable(Type.String()),
  status: Type.String(),
  pid: Nullable(Type.Integer()),
  /** ms since epoch when the current (or last) process started. */
  startTime: Nullable(Type.Number()),
  /** ms the current process has run; null when none runs. */
  uptimeMs: Nullable(Type.Number()),
  restarts: Type.Integer(),
  adopted: Type.Boolean(),
  command: Nullable(Type.String()),
  args: Type.Array(Type.String()),
  labels: Type.Record(Type.String(), Type.String()),
  lastExit: Nullable(
    Type.Object({
      code: Nullable(Type.Integer()),
      signal: Nullable(Type.String()),
      at: Type.Number(),
      stderrTail: Type.Array(Type.String()),
    }),
  ),
  lastError: Nullable(
    Type.Object({ code: Nullable(Type.String()), message: Type.String(), at: Type.Number() }),
  ),
  droppedLogLines: Type.Integer(),
  latest: Nullable(Point),
  /** CPU seconds of the agent's processes by mode, read at each monitor tick (see README); null before the first. */
  cpuSeconds: Nullable(Type.Object({ user: Type.Number(), system: Type.Number() })),
  /** GPU memory of the agent's processes, bytes; null without a good GPU reading. */
  gpuMemoryBytes: Nullable(Type.Number()),
  alerts: Type.Array(Episode),
})
export type AgentView = Static<typeof AgentView>

export const AgentList = Type.Object({ agents: Type.Array(AgentView) })
export const AgentAnswer = Type.Object({ agent: AgentView })
