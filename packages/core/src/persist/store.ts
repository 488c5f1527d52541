import type { PersistedAgentState, SaveAgentState } from './persister.js'

/**
 * The slice of `FileMetadataStore` (@warden/store) the supervisor uses. Structural, so core
 * does not need the store at runtime and tests can pass any implementation.
 */
export interface AgentStateStore {
  update(id: string, fn: (meta: PersistedAgentState & Record<string, unknown>) => unknown): Promise<unknown>
}

export function saverFor(store: AgentStateStore): SaveAgentState {
  return async (id, state) => {
    await store.update(id, (meta) => Object.assign(meta, state))
  }
}
