import { defineSeries, type GaugeStats, type SeriesPoint } from '@warden/store'
import type { CollectorName } from '../errors.js'
import type { HostSample } from '../events.js'

/**
 * The host's history columns: one flat number (or null) per tick for each, so the store keeps them
 * with the same tiers and aggregation as agents' points. A column is null when its collector is
 * off or failed that tick (a failed reading is never replaced by an old one). See the README's
 * History section for each column's unit and source.
 */
export const HOST_SERIES = defineSeries({
  gauges: [
    'cpuPercent',
    'load1',
    'load5',
    'load15',
    'memoryUsedBytes',
    'memoryAvailableBytes',
    'swapUsedBytes',
    'psiCpuSomeAvg10',
    'psiMemorySomeAvg10',
    'psiIoSomeAvg10',
    'temperatureCelsius',
    'diskUsedPercentMax',
    'gpuUtilizationPercent',
    'gpuMemoryUsedBytes',
  ],
  counters: ['psiCpuSomeTotalUs', 'psiMemorySomeTotalUs', 'psiIoSomeTotalUs'],
  rates: {
    psiCpuSomeTotalUs: 'psiCpuSomeStallRate',
    psiMemorySomeTotalUs: 'psiMemorySomeStallRate',
    psiIoSomeTotalUs: 'psiIoSomeStallRate',
  },
})

/** Which collector each column comes from (systemd has no numeric column). */
export const HOST_COLUMNS: Readonly<Record<CollectorName, readonly string[]>> = Object.freeze({
  cpu: Object.freeze([
    'cpuPercent',
    'load1',
    'load5',
    'load15',
    'psiCpuSomeAvg10',
    'psiMemorySomeAvg10',
    'psiIoSomeAvg10',
    'psiCpuSomeTotalUs',
    'psiMemorySomeTotalUs',
    'psiIoSomeTotalUs',
  ]),
  memory: Object.freeze(['memoryUsedBytes', 'memoryAvailableBytes', 'swapUsedBytes']),
  disks: Object.freeze(['diskUsedPercentMax']),
  temperature: Object.freeze(['temperatureCelsius']),
  gpu: Object.freeze(['gpuUtilizationPercent', 'gpuMemoryUsedBytes']),
  systemd: Object.freeze([]),
})

/** One tick of the host's history: `timestamp` (the tick's `at`) and a value or null per column. */
export interface HostPoint extends SeriesPoint {
  readonly timestamp: number
  readonly cpuPercent: number | null
  readonly load1: number | null
  readonly load5: number | null
  readonly load15: number | null
  readonly memoryUsedBytes: number | null
  readonly memoryAvailableBytes: number | null
  readonly swapUsedBytes: number | null
  readonly psiCpuSomeAvg10: number | null
  readonly psiMemorySomeAvg10: number | null
  readonly psiIoSomeAvg10: number | null
  readonly temperatureCelsius: number | null
  readonly diskUsedPercentMax: number | null
  readonly gpuUtilizationPercent: number | null
  readonly gpuMemoryUsedBytes: number | null
  readonly psiCpuSomeTotalUs: number | null
  readonly psiMemorySomeTotalUs: number | null
  readonly psiIoSomeTotalUs: number | null
}

/** A bucket of the host's history: stats per gauge, µs stalled per second per PSI counter. */
export interface HostBucket {
  readonly start: number
  readonly end: number
  readonly count: number
  readonly cpuPercent: GaugeStats
  readonly load1: GaugeStats
  readonly load5: GaugeStats
  readonly load15: GaugeStats
  readonly memoryUsedBytes: GaugeStats
  readonly memoryAvailableBytes: GaugeStats
  readonly swapUsedBytes: GaugeStats
  readonly psiCpuSomeAvg10: GaugeStats
  readonly psiMemorySomeAvg10: GaugeStats
  readonly psiIoSomeAvg10: GaugeStats
  readonly temperatureCelsius: GaugeStats
  readonly diskUsedPercentMax: GaugeStats
  readonly gpuUtilizationPercent: GaugeStats
  readonly gpuMemoryUsedBytes: GaugeStats
  /** µs some task was stalled on the resource per second of wall time (10 000 = 1 %); null without two readings. */
  readonly psiCpuSomeStallRate: number | null
  readonly psiMemorySomeStallRate: number | null
  readonly psiIoSomeStallRate: number | null
}

/** A finite non-negative number, else null: the store takes nothing else, and a bad reading is no reading. */
const num = (v: number | null | undefined): number | null =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null

/** The history point of one tick. */
export function hostPoint(sample: HostSample): HostPoint {
  const cpu = sample.cpu?.ok ? sample.cpu.data : undefined
  const memory = sample.memory?.ok ? sample.memory.data : undefined
  const mounts = sample.disks?.ok ? sample.disks.data.mounts : []
  const gpus = sample.gpu?.ok ? sample.gpu.data.gpus : []
  const usedPercents = mounts.flatMap((m) =>
    m.error === null && num(m.usedPercent) !== null ? [m.usedPercent!] : [],
  )
  const utilizations = gpus.flatMap((g) =>
    num(g.utilizationPercent) === null ? [] : [g.utilizationPercent!],
  )
  const gpuMemory = gpus.flatMap((g) => (num(g.memoryUsedBytes) === null ? [] : [g.memoryUsedBytes!]))
  return {
    timestamp: sample.at,
    cpuPercent: num(cpu?.usagePercent),
    load1: num(cpu?.load.one),
    load5: num(cpu?.load.five),
    load15: num(cpu?.load.fifteen),
    memoryUsedBytes: num(memory?.usedBytes),
    memoryAvailableBytes: num(memory?.availableBytes),
    swapUsedBytes: num(memory?.swapUsedBytes),
    psiCpuSomeAvg10: num(cpu?.pressure.cpu?.some.avg10),
    psiMemorySomeAvg10: num(cpu?.pressure.memory?.some.avg10),
    psiIoSomeAvg10: num(cpu?.pressure.io?.some.avg10),
    temperatureCelsius: sample.temperature?.ok ? num(sample.temperature.data.celsius) : null,
    diskUsedPercentMax: usedPercents.length === 0 ? null : Math.max(...usedPercents),
    gpuUtilizationPercent:
      utilizations.length === 0 ? null : utilizations.reduce((a, b) => a + b, 0) / utilizations.length,
    gpuMemoryUsedBytes: gpuMemory.length === 0 ? null : gpuMemory.reduce((a, b) => a + b, 0),
    psiCpuSomeTotalUs: num(cpu?.pressure.cpu?.some.totalUs),
    psiMemorySomeTotalUs: num(cpu?.pressure.memory?.some.totalUs),
    psiIoSomeTotalUs: num(cpu?.pressure.io?.some.totalUs),
  }
}
