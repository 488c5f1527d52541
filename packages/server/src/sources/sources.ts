import type { Supervisor } from '@warden/core'
import type { HostMonitor } from '@warden/host'
import type { ResourceMonitor } from '@warden/monitor'
import type { FileMetadataStore } from '@warden/store'
import { cgroupProcs, descendantsSync } from '@warden/utils'
import type { ResolvedOptions } from '../validate-options.js'
import { AlertTracker } from './alerts.js'
import { ChangeCounter } from './changes.js'
import { CpuSecondsCounter } from './cpu-seconds.js'
import { EventLog } from './event-log.js'
import { TickTracker } from './ticks.js'

/** Everything the routes read: the packages' public objects, and the adapters kept from their events. */
export class Sources {
  readonly id: string
  readonly supervisor: Supervisor
  readonly monitor: ResourceMonitor
  readonly host: HostMonitor | undefined
  readonly store: FileMetadataStore | undefined
  readonly alerts: AlertTracker
  readonly cpu: CpuSecondsCounter
  readonly ticks: TickTracker
  readonly events: EventLog
  readonly changes: ChangeCounter

  constructor(o: ResolvedOptions) {
    this.id = o.id
    this.supervisor = o.supervisor
    this.monitor = o.monitor
    this.host = o.host
    this.store = o.store
    this.alerts = new AlertTracker(o.monitor)
    this.cpu = new CpuSecondsCounter(o.supervisor, o.monitor)
    this.ticks = new TickTracker(o.monitor, o.host)
    this.events = new EventLog(o.supervisor, o.monitor, o.keptEvents, o.eventFile)
    this.changes = new ChangeCounter(o.supervisor, o.monitor, o.host)
  }

  /** GPU memory per agent from the host's last GPU reading; undefined without one. */
  gpuByAgent(): Map<string, number> | undefined {
    const agents = this.supervisor.list()
    // Called only when some process holds GPU memory: an agent's pids are its cgroup's members, else its tree.
    const pidsOf = (pid: number): number[] => {
      const cgroup = agents.find((a) => a.pid === pid)?.cgroup
      return cgroup === undefined ? descendantsSync(pid) : cgroupProcs(cgroup)
    }
    return this.host?.gpuMemoryByAgent(agents, pidsOf)
  }

  close(): void {
    this.alerts.close()
    this.cpu.close()
    this.ticks.close()
    this.events.close()
    this.changes.close()
  }
}
