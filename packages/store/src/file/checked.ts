import { InvalidOptionError } from '../errors.js'
import { ResourceUsageHistory } from '../history/history.js'
import type { ResolvedHistoryOptions } from '../history/options.js'
import { sameSeries } from '../history/series.js'
import { freshMetadata } from './format.js'
import type { AgentMetadata } from './metadata.js'
import { metadataProblem } from './metadata-rules.js'

/** Validates a record to be written; one without `resourceUsage` keeps `history` (never silently emptied). */
export function checkedRecord(
  meta: AgentMetadata,
  id: string,
  history: ResourceUsageHistory | undefined,
  options: ResolvedHistoryOptions,
): AgentMetadata {
  if (meta === null || typeof meta !== 'object') {
    throw new InvalidOptionError({ option: 'meta', expected: 'an AgentMetadata object', value: meta })
  }
  if (meta.id !== id)
    throw new InvalidOptionError({
      option: 'meta.id',
      expected: `"${id}" (ids cannot change)`,
      value: meta.id,
    })
  meta.updatedAt = Date.now()
  const problem = metadataProblem(meta as unknown as Record<string, unknown>)
  if (problem !== undefined) {
    throw new InvalidOptionError({
      option: `meta.${problem.field}`,
      expected: problem.expected,
      value: problem.value,
    })
  }
  if (meta.resourceUsage === undefined) {
    meta.resourceUsage = history ?? freshMetadata(id, options, 0).resourceUsage
  } else if (!(meta.resourceUsage instanceof ResourceUsageHistory)) {
    throw new InvalidOptionError({
      option: 'meta.resourceUsage',
      expected: 'a ResourceUsageHistory',
      value: meta.resourceUsage,
    })
  }
  if (!sameSeries(meta.resourceUsage.series, options.series)) {
    throw new InvalidOptionError({
      option: 'meta.resourceUsage',
      expected: `a history of the store's series (${options.series.columns.join(', ')})`,
      value: meta.resourceUsage.series.columns,
    })
  }
  return meta
}
