import {
  type EvaluatorOptions,
  type OpenAlertOf,
  ThresholdEvaluator,
  type ThresholdEventOf,
  type ThresholdLines,
  type ThresholdResolvedOf,
} from '@warden/utils'
import type { HostSample } from '../events.js'
import { type HostReading, type HostResource, type HostSubject, READERS } from './resources.js'
import { diskLines, type HostThreshold } from './threshold.js'

export type HostThresholdEvent = ThresholdEventOf<HostResource, 'subject', HostSubject>
export type HostOpenAlert = OpenAlertOf<HostResource, 'subject', HostSubject>

/** The host's threshold and its episodes: the shared evaluator over `host` and one subject per watched mount. */
export class HostAlerts {
  readonly #evaluator: ThresholdEvaluator<HostResource, HostReading, 'subject', HostSubject>
  #threshold: HostThreshold | undefined
  #disks = new Map<`disk:${string}`, ThresholdLines<HostResource>>()

  constructor(threshold: HostThreshold | undefined, clock: EvaluatorOptions) {
    this.#evaluator = new ThresholdEvaluator({ ...clock, key: 'subject', resources: READERS })
    this.#threshold = threshold
    if (threshold !== undefined) this.#disks = diskLines(threshold)
  }

  get threshold(): HostThreshold | undefined {
    return this.#threshold
  }

  /** Replaces the threshold (already validated); every open episode ends as `cleared`. */
  set(threshold: HostThreshold | undefined): ThresholdResolvedOf<HostResource, 'subject', HostSubject>[] {
    const ended = [...this.#evaluator.subjects()].flatMap((s) => this.#evaluator.end(s, 'cleared'))
    this.#threshold = threshold
    this.#disks = threshold === undefined ? new Map() : diskLines(threshold)
    return ended
  }

  /** The events of one tick. A failed collector or a mount missing from it reads null: its episodes stay as they are. */
  evaluate(sample: HostSample): HostThresholdEvent[] {
    const threshold = this.#threshold
    if (threshold === undefined) return []
    // The host subject reads only host-wide keys: `disk:` keys are not among its resources.
    const events = this.#evaluator.evaluate('host', threshold as ThresholdLines<HostResource>, {
      sample,
      disk: null,
    })
    if (this.#disks.size === 0) return events
    const mounts = sample.disks?.ok ? sample.disks.data.mounts : []
    for (const [subject, lines] of this.#disks) {
      const mountPoint = subject.slice('disk:'.length)
      const disk = mounts.find((m) => m.mountPoint === mountPoint) ?? null
      for (const e of this.#evaluator.evaluate(subject, lines, { sample: null, disk })) events.push(e)
    }
    return events
  }

  openAlerts(subject?: HostSubject): HostOpenAlert[] {
    return this.#evaluator.openAlerts(subject)
  }
}
