import { type ResourceDataPoint, ResourceUsageHistory } from '@warden/store'
import type { AppendEntry, AppendFailure, AppendManyResult, BatchStore } from '../../src/index.js'

/**
 * The one fake store of these tests: `FileMetadataStore.appendMany` is being built in parallel
 * in @warden/store and is not on this branch yet. Points go into real `ResourceUsageHistory`
 * objects, which refuse an out-of-order point as the store does; `hold()` keeps batches pending
 * and `failWith()` rejects them whole, as a journal write error would.
 */
export class FakeBatchStore implements BatchStore {
  /** Every batch received, in order. */
  readonly batches: (readonly AppendEntry[])[] = []
  readonly #histories = new Map<string, ResourceUsageHistory>()
  #gate: Promise<void> | undefined
  #failure: Error | undefined

  async appendMany(entries: readonly AppendEntry[]): Promise<AppendManyResult> {
    this.batches.push([...entries])
    await this.#gate
    if (this.#failure !== undefined) throw this.#failure
    const failed: AppendFailure[] = []
    for (const [index, { id, point }] of entries.entries()) {
      try {
        this.#history(id).add(point)
      } catch (error) {
        failed.push({ index, id, error: error as Error })
      }
    }
    return { appended: entries.length - failed.length, failed }
  }

  get(id: string): { readonly resourceUsage: ResourceUsageHistory } | undefined {
    const history = this.#histories.get(id)
    return history && { resourceUsage: history }
  }

  /** Stores a point directly (one in the future makes every later point of `id` out of order). */
  seed(id: string, point: ResourceDataPoint): void {
    this.#history(id).add(point)
  }

  /** Batches stay pending until the returned function is called. */
  hold(): () => void {
    let release: () => void = () => {}
    this.#gate = new Promise((resolve) => {
      release = () => {
        this.#gate = undefined
        resolve()
      }
    })
    return release
  }

  /** Batches reject with `error` (nothing appended) until called with undefined. */
  failWith(error: Error | undefined): void {
    this.#failure = error
  }

  #history(id: string): ResourceUsageHistory {
    let history = this.#histories.get(id)
    if (history === undefined) {
      history = new ResourceUsageHistory()
      this.#histories.set(id, history)
    }
    return history
  }
}
