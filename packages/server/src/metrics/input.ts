import type { AgentInfo } from '@warden/core'
import type { HostSample } from '@warden/host'
import type { PollReport } from '@warden/monitor'
import type { ResourceDataPoint } from '@warden/store'
import type { OpenEpisode } from '../sources/alerts.js'
import type { CpuSeconds } from '../sources/cpu-seconds.js'
import type { Sources } from '../sources/sources.js'

/** What one scrape reads, taken once so every metric of the scrape shows the same instant. */
export interface ScrapeInput {
  readonly agents: readonly AgentInfo[]
  readonly command: ReadonlyMap<string, string>
  /** Latest points of agents with a process (a stopped agent's last point is not current). */
  readonly points: ReadonlyMap<string, ResourceDataPoint>
  readonly cpuSeconds: ReadonlyMap<string, CpuSeconds>
  readonly gpu: ReadonlyMap<string, number> | undefined
  readonly alerts: ReadonlyMap<string, readonly OpenEpisode[]>
  readonly host: HostSample | undefined
  readonly lastPoll: PollReport | undefined
}

export function scrapeInput(sources: Sources): ScrapeInput {
  const agents = sources.supervisor.list()
  const command = new Map<string, string>()
  const points = new Map<string, ResourceDataPoint>()
  const cpuSeconds = new Map<string, CpuSeconds>()
  const alerts = new Map<string, OpenEpisode[]>()
  for (const info of agents) {
    const c = sources.supervisor.spec(info.id)?.command
    if (c !== undefined) command.set(info.id, c)
    const point = info.pid === null ? undefined : sources.monitor.latest(info.id)
    if (point !== undefined) points.set(info.id, point)
    const seconds = sources.cpu.seconds(info.id)
    if (seconds !== undefined) cpuSeconds.set(info.id, seconds)
    const open = sources.alerts.open(info.id)
    if (open.length > 0) alerts.set(info.id, open)
  }
  return {
    agents,
    command,
    points,
    cpuSeconds,
    gpu: sources.gpuByAgent(),
    alerts,
    host: sources.host?.latest(),
    lastPoll: sources.ticks.lastPoll,
  }
}
