import type { DiskUsage } from '../collectors/disks.js'
import type { CollectorName } from '../errors.js'
import type { HostSample } from '../events.js'

/** What a host episode is about: the host as a whole, or one mount (`disk:<mount point>`). */
export type HostSubject = 'host' | `disk:${string}`

/** The resources a host threshold can watch (`diskUsedPercent` through `disk:<mount>` keys). */
export type HostResource =
  | 'cpuPercent'
  | 'load1'
  | 'memoryUsedPercent'
  | 'swapUsedBytes'
  | 'psiCpuSome10'
  | 'psiMemorySome10'
  | 'psiIoSome10'
  | 'temperatureC'
  | 'diskUsedPercent'

/** The keys of a threshold that name a host-wide resource, and the collector each needs. */
export const HOST_RESOURCES = {
  cpuPercent: 'cpu',
  load1: 'cpu',
  memoryUsedPercent: 'memory',
  swapUsedBytes: 'memory',
  psiCpuSome10: 'cpu',
  psiMemorySome10: 'cpu',
  psiIoSome10: 'cpu',
  temperatureC: 'temperature',
} as const satisfies Record<Exclude<HostResource, 'diskUsedPercent'>, CollectorName>

/** `disk:` then an absolute mount point. */
export const DISK_KEY = /^disk:\//

/** What one evaluation reads: the tick's sample for `host`, the mount's usage for a `disk:` subject. */
export interface HostReading {
  readonly sample: HostSample | null
  readonly disk: DiskUsage | null
}

const cpu = (r: HostReading) => (r.sample?.cpu?.ok ? r.sample.cpu.data : null)
const memory = (r: HostReading) => (r.sample?.memory?.ok ? r.sample.memory.data : null)

/** How each resource is read; null (a failed collector, a first cpu reading, no PSI) is a missing value. */
export const READERS: { readonly [R in HostResource]: (r: HostReading) => number | null } = {
  cpuPercent: (r) => cpu(r)?.usagePercent ?? null,
  load1: (r) => cpu(r)?.load.one ?? null,
  memoryUsedPercent: (r) => memory(r)?.usedPercent ?? null,
  swapUsedBytes: (r) => memory(r)?.swapUsedBytes ?? null,
  psiCpuSome10: (r) => cpu(r)?.pressure.cpu?.some.avg10 ?? null,
  psiMemorySome10: (r) => cpu(r)?.pressure.memory?.some.avg10 ?? null,
  psiIoSome10: (r) => cpu(r)?.pressure.io?.some.avg10 ?? null,
  temperatureC: (r) => (r.sample?.temperature?.ok ? r.sample.temperature.data.celsius : null),
  diskUsedPercent: (r) => r.disk?.usedPercent ?? null,
}
