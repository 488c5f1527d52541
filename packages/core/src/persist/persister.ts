import { KeyedQueue } from '@warden/utils'
import { PersistError } from '../errors.js'
import type { PersistedAgentState } from './state.js'

/** Writes one agent's state (or, with `undefined`, removes core's fields from its record). */
export type SaveAgentState = (id: string, state: PersistedAgentState | undefined) => Promise<void>

/** A removed agent: core's fields leave its record, so `restore()` does not bring it back. */
const FORGET = Symbol('forget')

/**
 * Saves agent state in the background: per agent at most one write in flight and one pending
 * (the latest snapshot wins), so a crash loop cannot pile up writes. Failures are reported, never thrown.
 */
export class Persister {
  readonly #save: SaveAgentState
  readonly #onError: (error: PersistError) => void
  /** The newest state of each agent not yet handed to a write. */
  readonly #pending = new Map<string, PersistedAgentState | typeof FORGET>()
  readonly #writes = new KeyedQueue()

  constructor(save: SaveAgentState, onError: (error: PersistError) => void) {
    this.#save = save
    this.#onError = onError
  }

  schedule(id: string, state: PersistedAgentState): void {
    this.#enqueue(id, state)
  }

  /** After the saves scheduled so far: removes core's fields from the record of `id`. */
  forget(id: string): void {
    this.#enqueue(id, FORGET)
  }

  /** Resolves once every scheduled save has been attempted. */
  flush(): Promise<void> {
    return this.#writes.idle()
  }

  #enqueue(id: string, state: PersistedAgentState | typeof FORGET): void {
    // A write already queued for this agent takes the newest state when it starts.
    const queued = this.#pending.has(id)
    this.#pending.set(id, state)
    if (!queued) void this.#writes.run(id, () => this.#write(id))
  }

  async #write(id: string): Promise<void> {
    const state = this.#pending.get(id)
    if (state === undefined) return
    this.#pending.delete(id)
    try {
      await this.#save(id, state === FORGET ? undefined : state)
    } catch (cause) {
      // A removed agent has no one left to tell.
      if (state !== FORGET) this.#onError(new PersistError({ id, cause }))
    }
  }
}
