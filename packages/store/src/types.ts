import type { Series, SeriesSpec } from './history/series.js'

/** One resource sample of an agent (or the sum over its process tree). */
export interface ResourceDataPoint {
  /** Milliseconds since the epoch. */
  readonly timestamp: number
  /** Percent of ONE core (may exceed 100); null on a process's first sample. */
  readonly cpuPercent: number | null
  /** Resident set size, bytes. */
  readonly memoryRss: number
  /** Virtual memory size, bytes; null when the sampler cannot read it (never a fake 0). */
  readonly memoryVms: number | null
  /** Cumulative `read_bytes` of /proc/<pid>/io; null when unreadable (EACCES) or unsupported. */
  readonly diskReadBytes: number | null
  /** Cumulative `write_bytes` of /proc/<pid>/io; null when unreadable (EACCES) or unsupported. */
  readonly diskWriteBytes: number | null
  /** Open file descriptors; null when unreadable or unsupported (never a fake 0). */
  readonly openFiles: number | null
  /** Threads (summed over the tree); null when the sampler cannot read it (never a fake 0). */
  readonly threads: number | null
  /** When the process tree is summed: how many processes the point covers. */
  readonly processes?: number
  /*
   * From the agent's cgroup v2 (see @warden/monitor, "Cgroup accounting"); absent or null when the
   * agent has no cgroup or the controller behind a field is not enabled for it. Raw-only (kept with
   * the raw points, not rolled up); a stored point leaves out the ones that were null.
   */
  /** Cumulative cpu time of every process that ran in the cgroup, reaped children included (cpu.stat `usage_usec`), seconds. */
  readonly cpuSeconds?: number | null
  /** `memory.current`: all memory charged to the cgroup (page cache and kernel memory included), bytes. */
  readonly memoryCurrent?: number | null
  /** `memory.peak`: the highest `memoryCurrent` since the cgroup was made, bytes. Live only: not kept in the history. */
  readonly memoryPeak?: number | null
  /** `oom_kill` of memory.events: processes of the cgroup the OOM killer killed (cumulative). */
  readonly oomKills?: number | null
  /** % of the time since the previous point that some task of the cgroup waited for a cpu (PSI `cpu.pressure` some). */
  readonly cpuPressure?: number | null
  /** % of the time some task of the cgroup stalled on memory (PSI `memory.pressure` some). */
  readonly memoryPressure?: number | null
  /** % of the time some task of the cgroup stalled on I/O (PSI `io.pressure` some). */
  readonly ioPressure?: number | null
}

/** One rollup tier: points are summarised into buckets of `intervalMs`, the newest `size` buckets kept. */
export interface RollupTierSpec {
  /** Bucket width in ms; buckets start at multiples of it (epoch-aligned). */
  readonly intervalMs: number
  /** How many buckets the tier keeps (oldest dropped first). */
  readonly size: number
}

/** Options of a `ResourceUsageHistory` (and of every history a `FileMetadataStore` creates). */
export interface HistoryOptions {
  /**
   * The columns the history keeps (see `defineSeries`): a declaration, or a spec to declare.
   * @default PROCESS_SERIES (an agent's `ResourceDataPoint`)
   */
  readonly series?: Series | SeriesSpec
  /**
   * Raw points kept at full resolution.
   * @default 1440
   */
  readonly maxSize?: number
  /**
   * Rollup tiers, finest first. `[]` disables rollups.
   * @default [{ intervalMs: 900_000, size: 672 }, { intervalMs: 3_600_000, size: 720 }] (7 days of 15 min, 30 days of 1 h)
   */
  readonly tiers?: readonly RollupTierSpec[]
}

/** avg/min/max of one gauge over a bucket; all null when the bucket had no non-null value. */
export interface GaugeStats {
  readonly avg: number | null
  readonly min: number | null
  readonly max: number | null
  /** How many non-null values the stats cover. */
  readonly count: number
}

/** One aggregation bucket `[start, end)`. */
export interface AggregatedBucket {
  /** A multiple of `intervalMs`. */
  readonly start: number
  /** `start + intervalMs` (exclusive). */
  readonly end: number
  /** Points that fell in the bucket. */
  readonly count: number
  readonly cpuPercent: GaugeStats
  readonly memoryRss: GaugeStats
  readonly memoryVms: GaugeStats
  readonly openFiles: GaugeStats
  readonly threads: GaugeStats
  /** Bytes per second from the `diskReadBytes` counter; null when no two consecutive readable values. */
  readonly diskReadRate: number | null
  /** Bytes per second from the `diskWriteBytes` counter. */
  readonly diskWriteRate: number | null
}

/** What `aggregate` returns: buckets plus which level of the history answered. */
export interface AggregateResult<B extends object = AggregatedBucket> {
  readonly intervalMs: number
  /** `'raw'` when raw points answered, else the `intervalMs` of the rollup tier that did. */
  readonly tier: 'raw' | number
  /**
   * Oldest time the answering level still holds, or null when it holds everything ever added.
   * A `since` older than this means the window was only partly covered.
   */
  readonly coveredSince: number | null
  /** Non-empty buckets in time order (empty buckets are left out). */
  readonly buckets: B[]
}

/** Query window; both bounds inclusive, in ms since the epoch. */
export interface TimeRange {
  readonly since?: number
  readonly until?: number
}

/** `aggregate` arguments. */
export interface AggregateOptions extends TimeRange {
  /** Bucket width; buckets start at multiples of it. */
  readonly intervalMs: number
}

/** What `query` returns: points plus which level of the history answered. */
export interface QueryResult<P extends object = ResourceDataPoint> {
  /** `'raw'` or the `intervalMs` of the rollup tier whose buckets became the points. */
  readonly tier: 'raw' | number
  /** Oldest time the answering level still holds, or null when it holds everything ever added. */
  readonly coveredSince: number | null
  readonly points: P[]
}

/** A point of a declared series: `timestamp` plus a number or null per column. */
export interface SeriesPoint {
  readonly timestamp: number
  readonly [column: string]: number | null | undefined
}

/** A bucket of a declared series: `GaugeStats` per gauge, a rate (per second, or null) per counter. */
export interface SeriesBucket {
  readonly start: number
  readonly end: number
  readonly count: number
  readonly [column: string]: GaugeStats | number | null
}

/** What a store's append takes: a process point, or a point of the store's declared `history.series`. */
export type StorePoint = ResourceDataPoint | SeriesPoint
