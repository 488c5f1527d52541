import { type ResourceDataPoint, ResourceUsageHistory } from '@warden/store'

/** Per-agent capped histories kept in memory when the monitor has no store. */
export class MemoryHistories {
  readonly #maxSize: number | undefined
  readonly #byId = new Map<string, ResourceUsageHistory>()

  constructor(maxSize?: number) {
    this.#maxSize = maxSize
  }

  add(id: string, point: ResourceDataPoint): void {
    let history = this.#byId.get(id)
    if (history === undefined) {
      history = new ResourceUsageHistory(this.#maxSize === undefined ? {} : { maxSize: this.#maxSize })
      this.#byId.set(id, history)
    }
    history.add(point)
  }

  get(id: string): ResourceUsageHistory | undefined {
    return this.#byId.get(id)
  }

  delete(id: string): void {
    this.#byId.delete(id)
  }
}
