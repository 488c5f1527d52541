import type { AppendEntry, BatchStore, MonitorStore, PointStore } from '../options.js'
import type { Slices } from './slices.js'

/** A point the store did not take, and why. */
interface Failure {
  readonly id: string
  readonly cause: unknown
}

/**
 * Hands a tick's points to the store in one `appendMany` call when it has one, else one
 * `appendResourceData` per point. Resolves once every write settled, after `onFailure` was called
 * (in slices) for each point not written, with how many there were.
 */
export async function handOff(
  store: MonitorStore,
  entries: readonly AppendEntry[],
  slices: Slices,
  onFailure: (id: string, cause: unknown) => void,
): Promise<number> {
  if (entries.length === 0) return 0
  const failures =
    store.appendMany === undefined
      ? await appendEach(store, entries, slices)
      : await appendBatch(store, entries)
  for (const { id, cause } of failures) {
    if (slices.due()) await slices.yield()
    onFailure(id, cause)
  }
  return failures.length
}

async function appendBatch(store: BatchStore, entries: readonly AppendEntry[]): Promise<readonly Failure[]> {
  try {
    const { failed } = await store.appendMany(entries)
    return failed.map(({ id, error }) => ({ id, cause: error }))
  } catch (cause) {
    // The batch as a whole was not written (or the store broke the contract): every point is lost.
    return entries.map(({ id }) => ({ id, cause }))
  }
}

async function appendEach(
  store: PointStore,
  entries: readonly AppendEntry[],
  slices: Slices,
): Promise<readonly Failure[]> {
  const writes: Promise<unknown>[] = []
  for (const { id, point } of entries) {
    if (slices.due()) await slices.yield()
    writes.push(appendOne(store, id, point))
  }
  const settled = await Promise.allSettled(writes)
  const failures: Failure[] = []
  for (const [i, result] of settled.entries()) {
    if (result.status === 'rejected') failures.push({ id: entries[i]!.id, cause: result.reason })
  }
  return failures
}

/** The store call as a promise even if it throws synchronously. */
function appendOne(store: PointStore, id: string, point: AppendEntry['point']): Promise<unknown> {
  try {
    return store.appendResourceData(id, point)
  } catch (error) {
    return Promise.reject(error)
  }
}
