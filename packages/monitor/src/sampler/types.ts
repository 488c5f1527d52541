import type { ResourceDataPoint } from '@warden/store'

/** One agent to sample. With `startTicks`, a pid reused by another process is reported gone. */
export interface SampleTarget {
  readonly id: string
  readonly pid: number
  readonly startTicks?: number | null
  /**
   * The agent's cgroup v2 directory (`AgentInfo.cgroup`): its totals are read from the cgroup and
   * its processes are the cgroup's members (see "Cgroup accounting" in the README).
   */
  readonly cgroup?: string | null
}

export interface SampleOptions {
  /** Sum the whole process tree of each target (point.processes says how many). */
  readonly includeChildren: boolean
  /** Timestamp for the points, ms since epoch. @default Date.now() */
  readonly now?: number
}

export type SampleOutcome =
  | { readonly kind: 'ok'; readonly point: ResourceDataPoint; readonly startTicks: number | null }
  /** Exited, a zombie, or the pid now belongs to another process. Not an error. */
  | { readonly kind: 'gone' }
  | { readonly kind: 'error'; readonly error: Error }

export interface Sampler {
  readonly backend: 'procfs' | 'pidusage'
  /**
   * Samples every target in one pass, yielding to the event loop between slices so a
   * 1000-process tick never blocks it for long. Keyed by target id.
   */
  sampleAll(targets: readonly SampleTarget[], options: SampleOptions): Promise<Map<string, SampleOutcome>>
  /** Drops per-process state (cached fds, previous cpu times) of processes not in `keepIds`. */
  prune?(keepIds: ReadonlySet<string>): void
  /** Releases every cached resource (open fds). */
  close(): void
}
