import type { AgentMetadata } from './metadata.js'

/** What the writer holds for one agent: its record as journal and file together make it. */
export interface Entry {
  meta: AgentMetadata
  /** It has a file or journaled points (an entry made for an append that then failed does not). */
  exists: boolean
  /** The journal LSN up to which this record holds the agent's records: what its next file will say it covers. */
  lsn: number
  /** LSN of the oldest applied record its durable file lacks, Infinity when the file has them all. */
  dirtyFrom: number
  /** Points applied since the last file write, and how many more may come before a checkpoint. */
  sinceFile: number
  budget: number
  /** The timestamp a new point must not precede: the newest applied or accepted into a pending commit. */
  tentative: number
  /** Points accepted into commits not yet settled (the entry is not evicted meanwhile). */
  reserved: number
  /** Settles (maybe rejecting: await it through `settledOf`) when the last commit holding points of this agent does. */
  inflight: Promise<unknown> | undefined
}

export const isDirty = (entry: Entry): boolean => entry.dirtyFrom !== Number.POSITIVE_INFINITY

export const newestTimestamp = (meta: AgentMetadata): number =>
  meta.resourceUsage.latest()?.timestamp ?? Number.NEGATIVE_INFINITY

/** Waits for `promise` to settle, whatever the outcome (its own caller handles a rejection). */
export const settledOf = (promise: Promise<unknown> | undefined): Promise<unknown> | undefined =>
  promise?.then(
    () => undefined,
    () => undefined,
  )
