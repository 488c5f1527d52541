import type {
  CollectorResult,
  CpuData,
  DisksData,
  GpuData,
  HostSample,
  MemoryData,
  SystemdData,
  TemperatureData,
} from '@warden/host'
import type { Emit, MetricSpec } from './define.js'
import type { ScrapeInput } from './input.js'

type Spec = MetricSpec<ScrapeInput>

/** The collector's data when its last reading succeeded: a failed one serves nothing, never stale values. */
function data<K extends keyof HostSample>(
  input: ScrapeInput,
  key: K,
): NonNullable<HostSample[K]> extends CollectorResult<infer T> ? T | undefined : never {
  const r = input.host?.[key] as CollectorResult<unknown> | undefined
  return (r?.ok ? r.data : undefined) as never
}

const scalar = <K extends 'cpu' | 'memory' | 'systemd' | 'temperature'>(
  key: K,
  name: string,
  help: string,
  value: (d: NonNullable<ReturnType<typeof data<K>>>) => number | null | undefined,
): Spec => ({
  name,
  help,
  collect: (input, emit) => {
    const d = data(input, key)
    if (d !== undefined) emit({}, value(d as never))
  },
})

const cpu = (name: string, help: string, value: (d: CpuData) => number | null | undefined) =>
  scalar('cpu', name, help, value as never)
const memory = (name: string, help: string, value: (d: MemoryData) => number | null | undefined) =>
  scalar('memory', name, help, value as never)

const filesystem = (
  name: string,
  help: string,
  value: (m: DisksData['mounts'][number]) => number | null,
): Spec => ({
  name,
  help,
  labelNames: ['device', 'fstype', 'mountpoint'],
  collect: (input, emit) => {
    for (const m of data(input, 'disks')?.mounts ?? []) {
      emit({ device: m.device ?? '', fstype: m.fsType ?? '', mountpoint: m.mountPoint }, value(m))
    }
  },
})

const gpu = (name: string, help: string, value: (g: GpuData['gpus'][number]) => number | null): Spec => ({
  name,
  help,
  labelNames: ['gpu', 'uuid', 'name'],
  collect: (input, emit) => {
    for (const g of data(input, 'gpu')?.gpus ?? [])
      emit({ gpu: String(g.index), uuid: g.uuid, name: g.name }, value(g))
  },
})

const unit = (
  name: string,
  help: string,
  value: (u: SystemdData['units'][number]) => number | null,
): Spec => ({
  name,
  help,
  labelNames: ['name'],
  collect: (input, emit) => {
    for (const u of data(input, 'systemd')?.units ?? []) emit({ name: u.unit }, value(u))
  },
})

function pressure(resource: 'cpu' | 'memory' | 'io', line: 'some' | 'full'): Spec {
  const what = line === 'some' ? 'waiting' : 'stalled'
  return {
    name: `warden_host_pressure_${resource}_${what}_seconds_total`,
    help: `Total time in seconds that ${line === 'some' ? 'some' : 'all non-idle'} tasks were stalled on ${resource} (PSI ${line}).`,
    collect: (input, emit: Emit) => {
      const p = data(input, 'cpu')?.pressure[resource]?.[line]
      if (p) emit({}, p.totalUs / 1e6)
    },
  }
}

const UNIT_STATES = ['active', 'activating', 'deactivating', 'inactive', 'failed', 'reloading'] as const

/** Host gauges, `warden_host_*` with node_exporter's suffixes (never its `node_` names, so both can run). */
export const HOST_GAUGES: readonly Spec[] = [
  cpu('warden_host_cpus', 'Online CPUs.', (d) => d.cores),
  cpu('warden_host_cpu_usage_ratio', 'Share of all CPUs busy since the previous host tick (0–1).', (d) =>
    d.usagePercent === null ? null : d.usagePercent / 100,
  ),
  {
    name: 'warden_host_cpu_mode_ratio',
    help: 'Share of all CPU time per mode since the previous host tick (0–1).',
    labelNames: ['mode'],
    collect: (input, emit) => {
      const modes = data(input, 'cpu')?.modes
      if (modes) for (const [mode, percent] of Object.entries(modes)) emit({ mode }, percent / 100)
    },
  },
  cpu('warden_host_load1', '1m load average.', (d) => d.load.one),
  cpu('warden_host_load5', '5m load average.', (d) => d.load.five),
  cpu('warden_host_load15', '15m load average.', (d) => d.load.fifteen),
  cpu('warden_host_procs_running', 'Tasks runnable now.', (d) => d.load.runnable),
  memory('warden_host_memory_total_bytes', 'MemTotal in bytes.', (d) => d.totalBytes),
  memory('warden_host_memory_available_bytes', 'MemAvailable in bytes.', (d) => d.availableBytes),
  memory('warden_host_memory_free_bytes', 'MemFree in bytes.', (d) => d.freeBytes),
  memory('warden_host_memory_buffers_cached_bytes', 'Buffers + Cached in bytes.', (d) => d.cacheBytes),
  memory('warden_host_memory_swap_total_bytes', 'SwapTotal in bytes.', (d) => d.swapTotalBytes),
  memory(
    'warden_host_memory_swap_free_bytes',
    'SwapFree in bytes.',
    (d) => d.swapTotalBytes - d.swapUsedBytes,
  ),
  filesystem('warden_host_filesystem_size_bytes', 'Filesystem size in bytes.', (m) => m.sizeBytes),
  filesystem('warden_host_filesystem_free_bytes', 'Filesystem free space in bytes.', (m) =>
    m.sizeBytes === null || m.usedBytes === null ? null : m.sizeBytes - m.usedBytes,
  ),
  filesystem(
    'warden_host_filesystem_avail_bytes',
    'Filesystem space available to non-root users in bytes.',
    (m) => m.availableBytes,
  ),
  filesystem('warden_host_filesystem_files', 'Filesystem total file nodes.', (m) => m.inodesTotal),
  filesystem('warden_host_filesystem_files_free', 'Filesystem total free file nodes.', (m) => m.inodesFree),
  filesystem('warden_host_filesystem_readonly', 'Filesystem read-only status.', (m) =>
    m.readOnly === null ? null : m.readOnly ? 1 : 0,
  ),
  filesystem('warden_host_filesystem_device_error', 'Whether statfs failed or hung for this mount.', (m) =>
    m.error === null ? 0 : 1,
  ),
  {
    name: 'warden_host_temperature_celsius',
    help: 'CPU temperature of the chosen sensor in degrees Celsius.',
    labelNames: ['sensor', 'chip'],
    collect: (input, emit) => {
      const t: TemperatureData | undefined = data(input, 'temperature')
      if (t) emit({ sensor: t.sensor.key, chip: t.sensor.chip ?? '' }, t.celsius)
    },
  },
  gpu('warden_host_gpu_utilization_ratio', 'GPU utilization (0–1).', (g) =>
    g.utilizationPercent === null ? null : g.utilizationPercent / 100,
  ),
  gpu('warden_host_gpu_memory_used_bytes', 'GPU memory used in bytes.', (g) => g.memoryUsedBytes),
  gpu('warden_host_gpu_memory_total_bytes', 'GPU memory in bytes.', (g) => g.memoryTotalBytes),
  gpu(
    'warden_host_gpu_temperature_celsius',
    'GPU temperature in degrees Celsius.',
    (g) => g.temperatureCelsius,
  ),
  gpu('warden_host_gpu_power_watts', 'GPU power draw in watts.', (g) => g.powerWatts),
  scalar(
    'systemd',
    'warden_host_systemd_system_running',
    'Whether systemd’s SystemState is running (1) or not (0).',
    (d) => (d.systemState === 'running' ? 1 : 0),
  ),
  scalar(
    'systemd',
    'warden_host_systemd_failed_units',
    'Units in the failed state (all units).',
    (d) => d.failedUnits,
  ),
  {
    name: 'warden_host_systemd_unit_state',
    help: 'Watched systemd unit state: 1 for the unit’s ActiveState, 0 for the others.',
    labelNames: ['name', 'state'],
    collect: (input, emit) => {
      for (const u of data(input, 'systemd')?.units ?? [])
        for (const state of UNIT_STATES) emit({ name: u.unit, state }, u.activeState === state ? 1 : 0)
    },
  },
  unit(
    'warden_host_systemd_unit_start_time_seconds',
    'Start time of the unit’s main process since unix epoch in seconds.',
    (u) => (u.startedAt === null ? null : u.startedAt / 1000),
  ),
  unit(
    'warden_host_systemd_unit_memory_bytes',
    'Memory of the unit’s cgroup in bytes.',
    (u) => u.memoryBytes,
  ),
  unit('warden_host_systemd_unit_tasks', 'Tasks in the unit’s cgroup.', (u) => u.tasks),
]

export const HOST_COUNTERS: readonly Spec[] = [
  pressure('cpu', 'some'),
  pressure('cpu', 'full'),
  pressure('memory', 'some'),
  pressure('memory', 'full'),
  pressure('io', 'some'),
  pressure('io', 'full'),
  unit('warden_host_systemd_service_restart_total', 'Service restarts (NRestarts).', (u) => u.restarts),
  unit('warden_host_systemd_unit_cpu_seconds_total', 'CPU time of the unit’s cgroup in seconds.', (u) =>
    u.cpuUsageMs === null ? null : u.cpuUsageMs / 1000,
  ),
]
