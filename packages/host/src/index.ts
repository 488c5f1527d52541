export { type ResolveReason, WardenError } from '@warden/utils'
export type { HostOpenAlert } from './alerts/host-alerts.js'
export type { HostResource, HostSubject } from './alerts/resources.js'
export type { HostThreshold } from './alerts/threshold.js'
export type { CoreUsage, CpuData } from './collectors/cpu.js'
export type { CpuModes } from './collectors/cpu-usage.js'
export type { DisksData, DiskUsage } from './collectors/disks.js'
export type { GpuData } from './collectors/gpu.js'
export type { MemoryData } from './collectors/memory.js'
export type { SystemdData } from './collectors/systemd.js'
export type { TemperatureData, TemperatureSensor } from './collectors/temperature.js'
export {
  CollectorFailedError,
  type CollectorName,
  CollectorTimeoutError,
  CollectorUnavailableError,
  CommandBusyError,
  CommandFailedError,
  CommandTimeoutError,
  type HostError,
  InvalidOptionError,
  ParseError,
} from './errors.js'
export type {
  CollectorError,
  CollectorErrorEvent,
  CollectorFailure,
  CollectorOk,
  CollectorResult,
  HostEvents,
  HostSample,
  HostThresholdAlert,
  HostThresholdResolved,
} from './events.js'
export { gpuMemoryByAgent, gpuMemoryByPid } from './gpu/agents.js'
export type { Gpu, GpuProcess } from './gpu/parse.js'
export { HOST_COLUMNS, HOST_SERIES, type HostBucket, type HostPoint, hostPoint } from './history/columns.js'
export {
  type HistoryRecordFailedEvent,
  type HostAggregateWindow,
  HostHistory,
  type HostHistoryEvents,
  type HostHistoryOptions,
  type HostHistoryWindow,
} from './history/host-history.js'
export { HostMonitor } from './host-monitor.js'
export type {
  CollectorTimeoutOptions,
  DisksOptions,
  GpuOptions,
  HostClock,
  HostMonitorOptions,
  SystemdOptions,
  TemperatureOptions,
} from './options.js'
export type { LoadAverage } from './procfs/loadavg.js'
export type { Pressure, PressureLine } from './procfs/pressure.js'
export type { ListedUnit, SystemdUnit } from './systemd/parse.js'
