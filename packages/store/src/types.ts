/** One resource sample of an agent (or the sum over its process tree). */
export interface ResourceDataPoint {
  /** Milliseconds since the epoch. */
  readonly timestamp: number
  /** Percent of ONE core (may exceed 100); null on a process's first sample. */
  readonly cpuPercent: number | null
  /** Resident set size, bytes. */
  readonly memoryRss: number
  /** Virtual memory size, bytes. */
  readonly memoryVms: number
  /** Cumulative `read_bytes` of /proc/<pid>/io; null when unreadable (EACCES) or unsupported. */
  readonly diskReadBytes: number | null
  /** Cumulative `write_bytes` of /proc/<pid>/io; null when unreadable (EACCES) or unsupported. */
  readonly diskWriteBytes: number | null
  /** Open file descriptors; null when unreadable or unsupported (never a fake 0). */
  readonly openFiles: number | null
  readonly threads: number
  /** When the process tree is summed: how many processes the point covers. */
  readonly processes?: number
}
