import { describe } from '@warden/utils'
import { InvalidHistoryDataError, InvalidOptionError } from '../errors.js'
import { ResourceUsageHistory } from '../history/history.js'
import type { HistoryOptions } from '../types.js'
import type { AgentMetadata } from './metadata.js'
import { metadataProblem } from './metadata-rules.js'

/** Version of the `<id>.json` layout this package writes. */
export const SCHEMA_VERSION = 1

/** The file's `schemaVersion` is newer than `SCHEMA_VERSION` (not corrupt: written by a newer release). */
export class FutureSchemaError extends Error {
  readonly schemaVersion: number
  constructor(schemaVersion: number) {
    super(`schemaVersion ${schemaVersion}`)
    this.schemaVersion = schemaVersion
  }
}

/** A decoded file: the record and the journal LSN it covers (0 for files written before the journal). */
export interface DecodedRecord {
  readonly meta: AgentMetadata
  readonly journalLsn: number
}

/** Parses a file's text; throws `FutureSchemaError`, or another error when the content is corrupt. */
export function decodeMetadata(text: string, id: string, history: HistoryOptions): DecodedRecord {
  const json: unknown = JSON.parse(text)
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new InvalidHistoryDataError({ path: '', reason: 'expected a JSON object' })
  }
  const { schemaVersion, journalLsn = 0, ...rest } = json as Record<string, unknown>
  if (typeof schemaVersion !== 'number' || !Number.isSafeInteger(schemaVersion) || schemaVersion < 1) {
    throw new InvalidHistoryDataError({
      path: 'schemaVersion',
      reason: `expected a positive integer, got ${schemaVersion}`,
    })
  }
  if (schemaVersion > SCHEMA_VERSION) throw new FutureSchemaError(schemaVersion)
  if (typeof journalLsn !== 'number' || !Number.isSafeInteger(journalLsn) || journalLsn < 0) {
    throw new InvalidHistoryDataError({
      path: 'journalLsn',
      reason: `expected a non-negative integer, got ${describe(journalLsn)}`,
    })
  }
  if (rest.id !== id)
    throw new InvalidHistoryDataError({
      path: 'id',
      reason: `expected "${id}", got ${JSON.stringify(rest.id)}`,
    })
  const problem = metadataProblem(rest)
  if (problem !== undefined) {
    throw new InvalidHistoryDataError({
      path: problem.field,
      reason: `expected ${problem.expected}, got ${describe(problem.value)}`,
    })
  }
  let resourceUsage: ResourceUsageHistory
  try {
    resourceUsage = ResourceUsageHistory.fromJSON(rest.resourceUsage, history)
  } catch (error) {
    if (error instanceof InvalidHistoryDataError) {
      const path = error.path === '' ? 'resourceUsage' : `resourceUsage.${error.path}`
      throw new InvalidHistoryDataError({ path, reason: error.reason })
    }
    throw error
  }
  return { meta: { ...(rest as Omit<AgentMetadata, 'resourceUsage'>), resourceUsage }, journalLsn }
}

/** A new, empty record. */
export function freshMetadata(id: string, history: HistoryOptions, now: number): AgentMetadata {
  return { id, restartCount: 0, updatedAt: now, resourceUsage: new ResourceUsageHistory(history) }
}

/** Copy that shares nothing mutable with `meta` (history typed arrays are copied). */
export function cloneMetadata(meta: AgentMetadata): AgentMetadata {
  let copy: AgentMetadata
  try {
    copy = structuredClone({ ...meta, resourceUsage: undefined }) as unknown as AgentMetadata
  } catch (cause) {
    throw new InvalidOptionError({
      option: 'meta',
      expected: `plain JSON-like data (${(cause as Error).message})`,
      value: meta,
    })
  }
  // Anything but a history is passed through for the caller's validation to reject.
  copy.resourceUsage =
    meta.resourceUsage instanceof ResourceUsageHistory ? meta.resourceUsage.clone() : meta.resourceUsage
  return copy
}
