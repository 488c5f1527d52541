import type { PidSource } from '@warden/core'
import type { DuplicateIds } from '../duplicates.js'
import type { SampleTarget } from '../sampler/types.js'

/** Statuses whose process is sampled; others have no process worth measuring. */
const SAMPLED = new Set<string>(['running', 'stopping'])

/** What one tick works on: a snapshot, since the registry may change while the tick yields. */
export interface TickTargets {
  /** The agents to sample, in registry order (the first entry of an id listed twice). */
  readonly targets: readonly SampleTarget[]
  /** Every id the registry listed. */
  readonly listed: ReadonlySet<string>
  /** The ids of `targets`. */
  readonly targetIds: ReadonlySet<string>
}

/** Reads the registry once; `onDuplicate` gets each id listed twice, once per change (`duplicates`). */
export function listTargets(
  registry: PidSource,
  duplicates: DuplicateIds,
  onDuplicate: (id: string) => void,
): TickTargets {
  const targets: SampleTarget[] = []
  const listed = new Set<string>()
  const targetIds = new Set<string>()
  for (const agent of registry.list()) {
    if (listed.has(agent.id)) {
      // Never two points per tick under one id: the first entry wins.
      if (duplicates.add(agent.id)) onDuplicate(agent.id)
      continue
    }
    listed.add(agent.id)
    if (agent.pid === null || !SAMPLED.has(agent.status)) continue
    // A copy: a registry may update its entries in place while the tick runs.
    targets.push({ id: agent.id, pid: agent.pid, startTicks: agent.startTicks })
    targetIds.add(agent.id)
  }
  duplicates.endPass()
  return { targets, listed, targetIds }
}
