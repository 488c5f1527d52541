import type { SaveAgentState } from './persister.js'

/** The fields of a store record (`AgentMetadata` of @warden/store) that the supervisor writes. */
export interface AgentRecordLike {
  type?: string
  status?: string
  startTime?: number | null
  restartCount: number
  labels?: Record<string, string>
  lastExit?: { code: number | null; signal: string | null; at: number }
  lastError?: { code?: string; message: string; at: number }
}

/**
 * The slice of `FileMetadataStore` (@warden/store) the supervisor uses. Structural, so a
 * `FileMetadataStore` fits as is and core needs no runtime import of the store.
 */
export interface AgentStateStore {
  update(id: string, fn: (meta: AgentRecordLike) => void): Promise<unknown>
}

/**
 * Writes the state into the agent's record (other fields, e.g. the resource history, are kept).
 * pid and startTicks ride along as extra fields so a restarted daemon can re-adopt its agents.
 */
export function saverFor(store: AgentStateStore): SaveAgentState {
  return async (id, state) => {
    await store.update(id, (meta) => {
      const m = meta as AgentRecordLike & Record<string, unknown>
      m.status = state.status
      m.restartCount = state.restartCount
      m.startTime = state.startTime
      m.pid = state.pid
      m.startTicks = state.startTicks
      if (state.type !== undefined) m.type = state.type
      if (state.labels !== undefined) m.labels = { ...state.labels }
      if (state.lastExit !== undefined) m.lastExit = { ...state.lastExit }
      if (state.lastError !== undefined) m.lastError = { ...state.lastError }
      else delete m.lastError
    })
  }
}
