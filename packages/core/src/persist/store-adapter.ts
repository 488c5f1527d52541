import type { AgentMetadata } from '@warden/store'
import type { SaveAgentState } from './persister.js'
import { CORE_ONLY_FIELDS } from './state.js'

/** The fields of a store record the supervisor writes: @warden/store's own type, not a restatement. */
export type AgentRecordLike = Omit<AgentMetadata, 'id' | 'updatedAt' | 'resourceUsage'>

/**
 * The slice of `FileMetadataStore` (@warden/store) the supervisor uses. Structural, so a
 * `FileMetadataStore` fits as is and core needs no runtime import of the store.
 */
export interface AgentStateStore {
  update(id: string, fn: (meta: AgentRecordLike) => void): Promise<unknown>
  /** Needed by `restore()`: the record of an agent. */
  get?(id: string): Promise<object | undefined>
  /** Needed by `restore()`: the ids that have a record. */
  list?(): Promise<string[]>
}

/**
 * Writes the state into the agent's record; other fields (e.g. the resource history) are kept.
 * `undefined` removes core's own fields (a removed agent is not restored).
 */
export function saverFor(store: AgentStateStore): SaveAgentState {
  return async (id, state) => {
    await store.update(id, (meta) => {
      const m = meta as unknown as Record<string, unknown>
      if (state === undefined) {
        for (const field of CORE_ONLY_FIELDS) delete m[field]
        return
      }
      const { lastExit, lastError, type, labels, ...rest } = state
      Object.assign(m, structuredClone(rest))
      if (type !== undefined) m.type = type
      if (labels !== undefined) m.labels = { ...labels }
      if (lastExit !== undefined) m.lastExit = structuredClone(lastExit)
      if (lastError !== undefined) m.lastError = { ...lastError }
      else delete m.lastError
    })
  }
}
