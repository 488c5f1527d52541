import type { CollectorName } from '../errors.js'

/** One source of host data. `collect()` throws `CollectorUnavailableError` when there is nothing to read. */
export interface Collector<T> {
  readonly name: CollectorName
  collect(): Promise<T> | T
  /** Releases what the collector holds (fds, helper processes); a later collect() reopens. */
  close(): Promise<void> | void
}
