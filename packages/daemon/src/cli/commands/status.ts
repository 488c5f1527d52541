import type { AgentView, History } from '@warden/server'
import type { DaemonClient } from '../client.js'
import type { Command, Context } from '../command.js'
import { DaemonAnswerError } from '../errors.js'
import { sparkline } from '../format/sparkline.js'
import { type Cell, type Color, renderTable } from '../format/table.js'
import { formatBytes, formatDuration, formatPercent, orDash } from '../format/units.js'
import { mapLimit } from '../map-limit.js'

/** The sparkline: the last hour in 2-minute buckets, 30 cells, narrow enough for an 80-column table row. */
const SPARK_INTERVAL = '2m'
const SPARK_INTERVAL_MS = 120_000
const SPARK_CELLS = 30
/** History requests in flight at once: enough to be quick, few enough not to load the daemon. */
const CONCURRENCY = 4

/** Average CPU % per 2-minute slot of the last hour, oldest first; null where nothing was sampled. */
export interface CpuLastHour {
  /** Start of the first slot, epoch ms. */
  readonly since: number
  readonly intervalMs: number
  readonly cpuPercent: readonly (number | null)[]
}

const STATUS_COLORS: Record<string, Color> = {
  running: 'green',
  starting: 'yellow',
  stopping: 'yellow',
  backoff: 'yellow',
  exited: 'red',
  fatal: 'red',
  stopped: 'dim',
}

export const status: Command = {
  synopsis: 'status',
  args: [],
  options: {},
  async run({ client, io, json, color }: Context): Promise<number> {
    const { agents } = await client.get<{ agents: AgentView[] }>('/v1/agents')
    const cpu = await mapLimit(agents, CONCURRENCY, (agent) => cpuLastHour(client, agent.id))
    if (json) {
      const withCpu = agents.map((agent, i) => ({ ...agent, cpuLastHour: cpu[i] ?? null }))
      io.stdout.write(`${JSON.stringify({ agents: withCpu }, null, 2)}\n`)
      return 0
    }
    if (agents.length === 0) {
      io.stdout.write('no agents\n')
      return 0
    }
    const rows = agents.map((agent, i) => row(agent, cpu[i] ?? null))
    io.stdout.write(renderTable(COLUMNS, rows, color))
    return 0
  },
}

const COLUMNS = [
  { header: 'AGENT' },
  { header: 'STATUS' },
  { header: 'PID', align: 'right' },
  { header: 'UPTIME', align: 'right' },
  { header: 'RESTARTS', align: 'right' },
  { header: 'CPU', align: 'right' },
  { header: 'MEMORY', align: 'right' },
  { header: 'ALERTS' },
  { header: 'CPU 1H' },
] as const

function row(agent: AgentView, cpu: CpuLastHour | null): (string | Cell)[] {
  // The monitor keeps the last point of a process that ended: show it only while one runs.
  const latest = agent.pid === null ? null : agent.latest
  const alerts = agent.alerts.map((a) => `${a.resource}:${a.level}`).join(',')
  const alertColor = agent.alerts.some((a) => a.level === 'error') ? 'red' : 'yellow'
  return [
    agent.id,
    { text: agent.status, color: STATUS_COLORS[agent.status] },
    orDash(agent.pid, String),
    orDash(agent.uptimeMs, formatDuration),
    String(agent.restarts),
    orDash(latest?.cpuPercent, formatPercent),
    orDash(latest?.memoryRss, formatBytes),
    alerts === '' ? '-' : { text: alerts, color: alertColor },
    cpu === null ? '' : sparkline(cpu.cpuPercent, 100),
  ]
}

/** The agent's CPU in the last hour; null when the daemon has no history for it (removed meanwhile). */
async function cpuLastHour(client: DaemonClient, id: string): Promise<CpuLastHour | null> {
  let history: History
  try {
    history = await client.get<History>(`/v1/agents/${id}/history`, { since: '1h', interval: SPARK_INTERVAL })
  } catch (error) {
    if (error instanceof DaemonAnswerError) return null
    throw error
  }
  // Buckets start at multiples of the interval and empty ones are left out: place each by its start.
  const end = (history.since ?? Date.now() - 3_600_000) + 3_600_000
  const lastStart = Math.floor(end / SPARK_INTERVAL_MS) * SPARK_INTERVAL_MS
  const since = lastStart - (SPARK_CELLS - 1) * SPARK_INTERVAL_MS
  const cpuPercent: (number | null)[] = new Array(SPARK_CELLS).fill(null)
  for (const bucket of history.buckets ?? []) {
    const slot = Math.floor((bucket.start - since) / SPARK_INTERVAL_MS)
    if (slot >= 0 && slot < SPARK_CELLS) cpuPercent[slot] = bucket.cpuPercent?.avg ?? null
  }
  return { since, intervalMs: SPARK_INTERVAL_MS, cpuPercent }
}
