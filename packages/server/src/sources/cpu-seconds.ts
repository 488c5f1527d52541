import type { Supervisor } from '@warden/core'
import type { ResourceMonitor } from '@warden/monitor'
import { clockTicksPerSecond, descendantsSync, keyedValue, readCgroupFile, readStat } from '@warden/utils'

/** CPU seconds of an agent by mode, as process-exporter counts a group. */
export interface CpuSeconds {
  readonly user: number
  readonly system: number
}

interface AgentCpu {
  /** Ticks of processes seen before and now gone. */
  bankedUser: number
  bankedSystem: number
  /** Last reading of each live process, keyed `pid:startTicks` (a reused pid is another key). */
  live: Map<string, { user: number; system: number }>
}

/** `user_usec` and `system_usec` of a cgroup's `cpu.stat`, in clock ticks like `/proc/<pid>/stat`. */
function cgroupCpu(dir: string): { user: number; system: number } | undefined {
  const text = readCgroupFile(dir, 'cpu.stat')
  const user = text === undefined ? undefined : keyedValue(text, 'user_usec')
  const system = text === undefined ? undefined : keyedValue(text, 'system_usec')
  if (user === undefined || system === undefined) return undefined
  const hz = clockTicksPerSecond()
  return { user: (user * hz) / 1e6, system: (system * hz) / 1e6 }
}

/**
 * CPU seconds per agent and mode (user, system), read at each monitor tick: from the agent's own
 * cgroup's `cpu.stat` when it has one (so processes that daemonized or already exited count), else
 * from `/proc/<pid>/stat` `utime`/`stime` of its process, and of its descendants when the monitor
 * sums the tree.
 * The monitor's points carry only `cpuPercent`, not cumulative times split by mode. A process that
 * ends keeps its last reading in the total, so the counter never decreases (what it ran after its
 * last reading is not counted, as with any sampling exporter).
 */
export class CpuSecondsCounter {
  readonly #supervisor: Supervisor
  readonly #monitor: ResourceMonitor
  readonly #agents = new Map<string, AgentCpu>()
  readonly #onPoll = (): void => this.read()

  constructor(supervisor: Supervisor, monitor: ResourceMonitor) {
    this.#supervisor = supervisor
    this.#monitor = monitor
    monitor.on('poll', this.#onPoll)
  }

  /** Reads every running agent's processes now (the monitor's ticks call it). */
  read(): void {
    const seen = new Set<string>()
    for (const info of this.#supervisor.list()) {
      seen.add(info.id)
      let agent = this.#agents.get(info.id)
      const live = new Map<string, { user: number; system: number }>()
      if (info.pid !== null && info.startTicks !== null) {
        const main = readStat(info.pid)
        const cgroup = info.cgroup === undefined ? undefined : cgroupCpu(info.cgroup)
        // A pid reused by another process is not the agent's.
        if (main !== undefined && main.startTicks === info.startTicks && cgroup !== undefined) {
          // The agent's own cgroup: every process it ever held, exited and reaped ones included
          // (a new cgroup for each run, so the run's key banks its total when it ends).
          live.set(`cgroup:${main.pid}:${main.startTicks}`, cgroup)
        } else if (main !== undefined && main.startTicks === info.startTicks) {
          live.set(`${main.pid}:${main.startTicks}`, { user: main.utime, system: main.stime })
          if (this.#monitor.includeChildren) {
            for (const pid of descendantsSync(info.pid)) {
              const s = readStat(pid)
              if (s !== undefined) live.set(`${s.pid}:${s.startTicks}`, { user: s.utime, system: s.stime })
            }
          }
        }
      }
      if (agent === undefined) {
        if (live.size === 0) continue
        agent = { bankedUser: 0, bankedSystem: 0, live }
        this.#agents.set(info.id, agent)
        continue
      }
      for (const [key, last] of agent.live) {
        if (live.has(key)) continue
        agent.bankedUser += last.user
        agent.bankedSystem += last.system
      }
      agent.live = live
    }
    for (const id of this.#agents.keys()) if (!seen.has(id)) this.#agents.delete(id)
  }

  /** The agent's CPU seconds since the server first saw it run; undefined before that. */
  seconds(id: string): CpuSeconds | undefined {
    const agent = this.#agents.get(id)
    if (agent === undefined) return undefined
    let user = agent.bankedUser
    let system = agent.bankedSystem
    for (const t of agent.live.values()) {
      user += t.user
      system += t.system
    }
    return { user: user / clockTicksPerSecond(), system: system / clockTicksPerSecond() }
  }

  close(): void {
    this.#monitor.off('poll', this.#onPoll)
  }
}
