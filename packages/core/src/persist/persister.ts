import { PersistError } from '../errors.js'
import type { AgentInfo } from '../registry/types.js'

/** What the supervisor saves of an agent. */
export type PersistedAgentState = Pick<
  AgentInfo,
  | 'status'
  | 'restartCount'
  | 'startTime'
  | 'pid'
  | 'startTicks'
  | 'lastExit'
  | 'lastError'
  | 'type'
  | 'labels'
>

export type SaveAgentState = (id: string, state: PersistedAgentState) => Promise<void>

/**
 * Saves agent state in the background: per agent at most one write in flight and one pending
 * (the latest snapshot wins), so a crash loop cannot pile up writes. Failures are reported, never thrown.
 */
export class Persister {
  readonly #save: SaveAgentState
  readonly #onError: (error: PersistError) => void
  readonly #pending = new Map<string, PersistedAgentState>()
  readonly #running = new Map<string, Promise<void>>()

  constructor(save: SaveAgentState, onError: (error: PersistError) => void) {
    this.#save = save
    this.#onError = onError
  }

  schedule(info: AgentInfo): void {
    this.#pending.set(info.id, {
      status: info.status,
      restartCount: info.restartCount,
      startTime: info.startTime,
      pid: info.pid,
      startTicks: info.startTicks,
      lastExit: info.lastExit,
      lastError: info.lastError,
      type: info.type,
      labels: info.labels,
    })
    if (!this.#running.has(info.id)) this.#running.set(info.id, this.#run(info.id))
  }

  /** Resolves once every scheduled save has been attempted. */
  async flush(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running.values())
  }

  async #run(id: string): Promise<void> {
    try {
      for (;;) {
        const state = this.#pending.get(id)
        if (state === undefined) return
        this.#pending.delete(id)
        try {
          await this.#save(id, state)
        } catch (cause) {
          this.#onError(new PersistError({ id, cause }))
        }
      }
    } finally {
      this.#running.delete(id)
    }
  }
}
