import type { AppendEntry } from '@warden/store'
import type { BatchStore, MonitorStore, PointStore } from '../options.js'
import { SLICE_MS, type Slices } from './slices.js'

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

/**
 * One `appendResourceData` per point. A store may do heavy synchronous work in the continuation of
 * each call (FileMetadataStore serializes the agent's whole file), where `slices.due()` cannot see
 * it: calls go out in groups that each end with a turn of the event loop, a group halved while its
 * turn takes longer than a slice and doubled while it does not.
 */
async function appendEach(
  store: PointStore,
  entries: readonly AppendEntry[],
  slices: Slices,
): Promise<readonly Failure[]> {
  // Each write gets its handler at once: the loop turns before they are all awaited.
  const writes: Promise<Failure | undefined>[] = []
  let group = 1
  for (let i = 0; i < entries.length; ) {
    const started = performance.now()
    for (const end = Math.min(entries.length, i + group); i < end; i++) {
      const { id, point } = entries[i]!
      writes.push(appendOne(store, id, point).then(noFailure, (cause: unknown) => ({ id, cause })))
    }
    // Before this resolves, the microtasks of the calls (the store's synchronous work) have run.
    await slices.yield()
    group = performance.now() - started > SLICE_MS ? Math.max(1, group >> 1) : group * 2
  }
  const failures: Failure[] = []
  for (const failure of await Promise.all(writes)) if (failure !== undefined) failures.push(failure)
  return failures
}

const noFailure = (): undefined => undefined

/** The store call as a promise even if it throws synchronously. */
function appendOne(store: PointStore, id: string, point: AppendEntry['point']): Promise<unknown> {
  try {
    return store.appendResourceData(id, point)
  } catch (error) {
    return Promise.reject(error)
  }
}
