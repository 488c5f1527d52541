import type { ResourceDataPoint } from '@warden/store'
import { type EvaluatorOptions, ThresholdEvaluator as SubjectEvaluator } from '@warden/utils'
import type { ThresholdResource } from './types.js'

export type { EvaluatorOptions } from '@warden/utils'
export type { OpenAlert } from './types.js'

/**
 * The shared sustained-threshold evaluator (@warden/utils) over a process point, per agent:
 * `cpuPercent`, `memoryBytes` (RSS), `openFiles`, `threads`, with `agentId` in every payload.
 */
export class ThresholdEvaluator extends SubjectEvaluator<ThresholdResource, ResourceDataPoint, 'agentId'> {
  constructor(options: EvaluatorOptions = {}) {
    super({
      ...options,
      key: 'agentId',
      resources: {
        cpuPercent: (p) => p.cpuPercent,
        memoryBytes: (p) => p.memoryRss,
        openFiles: (p) => p.openFiles,
        threads: (p) => p.threads,
      },
    })
  }

  /** Agents with at least one open episode. */
  agents(): IterableIterator<string> {
    return this.subjects()
  }
}
