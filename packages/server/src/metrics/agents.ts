import type { ResourceDataPoint } from '@warden/store'
import type { MetricSpec } from './define.js'
import type { ScrapeInput } from './input.js'

type Spec = MetricSpec<ScrapeInput>
const AGENT = ['agent']

/** A gauge or counter read from each agent's latest point (agents with a process only). */
function fromPoint(
  name: string,
  help: string,
  value: (p: ResourceDataPoint) => number | null | undefined,
): Spec {
  return {
    name,
    help,
    labelNames: AGENT,
    collect: (input, emit) => {
      for (const [agent, point] of input.points) emit({ agent }, value(point))
    },
  }
}

/** Per-agent gauges, labelled `agent` (never `pid`: a restart would start a new series). */
export const AGENT_GAUGES: readonly Spec[] = [
  {
    name: 'warden_agent_up',
    help: 'Whether the agent is running (1) or not (0).',
    labelNames: AGENT,
    collect: (input, emit) => {
      for (const a of input.agents) emit({ agent: a.id }, a.status === 'running' ? 1 : 0)
    },
  },
  {
    name: 'warden_agent_info',
    help: 'Always 1; labels carry the agent’s command.',
    labelNames: ['agent', 'command'],
    collect: (input, emit) => {
      for (const a of input.agents) emit({ agent: a.id, command: input.command.get(a.id) ?? '' }, 1)
    },
  },
  {
    name: 'warden_agent_start_time_seconds',
    help: 'Start time of the agent’s current process since unix epoch in seconds.',
    labelNames: AGENT,
    collect: (input, emit) => {
      for (const a of input.agents)
        if (a.pid !== null && a.startTime !== null) emit({ agent: a.id }, a.startTime / 1000)
    },
  },
  fromPoint(
    'warden_agent_resident_memory_bytes',
    'Resident memory size in bytes (the tree’s sum with includeChildren).',
    (p) => p.memoryRss,
  ),
  fromPoint('warden_agent_virtual_memory_bytes', 'Virtual memory size in bytes.', (p) => p.memoryVms),
  fromPoint('warden_agent_open_fds', 'Number of open file descriptors.', (p) => p.openFiles),
  fromPoint('warden_agent_threads', 'Number of threads.', (p) => p.threads),
  fromPoint(
    'warden_agent_processes',
    'Number of processes the agent’s point covers (1 without includeChildren).',
    (p) => p.processes ?? 1,
  ),
  {
    name: 'warden_agent_gpu_memory_bytes',
    help: 'GPU memory used by the agent’s processes in bytes (only with a good GPU reading).',
    labelNames: AGENT,
    collect: (input, emit) => {
      if (input.gpu === undefined) return
      for (const a of input.agents) if (a.pid !== null) emit({ agent: a.id }, input.gpu.get(a.id))
    },
  },
  {
    name: 'warden_alert_active',
    help: 'Open alert episodes: 1 per agent, resource and current level (warning: pending, error: firing).',
    labelNames: ['agent', 'resource', 'level'],
    collect: (input, emit) => {
      for (const [agent, episodes] of input.alerts)
        for (const e of episodes) emit({ agent, resource: e.resource, level: e.level }, 1)
    },
  },
]

export const AGENT_COUNTERS: readonly Spec[] = [
  {
    name: 'warden_agent_restarts_total',
    help: 'Restarts of the agent (spawns that replaced an earlier process), by why the process before ended: oom (the OOM killer, in its cgroup) or other.',
    labelNames: ['agent', 'reason'],
    collect: (input, emit) => {
      for (const a of input.agents) {
        const oom = a.oomRestarts ?? 0
        emit({ agent: a.id, reason: 'other' }, a.restartCount - oom)
        emit({ agent: a.id, reason: 'oom' }, oom)
      }
    },
  },
  {
    name: 'warden_agent_cpu_seconds_total',
    help: 'CPU time of the agent’s processes by mode (user, system) in seconds, from /proc/<pid>/stat at each monitor tick.',
    labelNames: ['agent', 'mode'],
    collect: (input, emit) => {
      for (const [agent, seconds] of input.cpuSeconds) {
        emit({ agent, mode: 'user' }, seconds.user)
        emit({ agent, mode: 'system' }, seconds.system)
      }
    },
  },
  fromPoint(
    'warden_agent_read_bytes_total',
    'Bytes read from storage (/proc/<pid>/io read_bytes).',
    (p) => p.diskReadBytes,
  ),
  fromPoint(
    'warden_agent_written_bytes_total',
    'Bytes written to storage (/proc/<pid>/io write_bytes).',
    (p) => p.diskWriteBytes,
  ),
]
