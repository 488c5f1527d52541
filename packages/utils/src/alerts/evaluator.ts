import type {
  OpenAlertOf,
  ResolveReason,
  ResourceReaders,
  ThresholdAlertOf,
  ThresholdEventOf,
  ThresholdLines,
  ThresholdResolvedOf,
} from './types.js'

export interface EvaluatorOptions {
  /** Clock for the events' `since` and `at` labels, ms since epoch. @default Date.now */
  readonly now?: (() => number) | undefined
  /**
   * Clock for durations (`durationMs`, `repeatMs`, `exceededForMs`), ms from any origin, so a
   * stepped wall clock never shortens or stretches them.
   * @default `now` when given (one simulated clock), else performance.now
   */
  readonly monotonic?: (() => number) | undefined
}

export interface ThresholdEvaluatorOptions<R extends string, S, K extends string> extends EvaluatorOptions {
  /** The watched resources, in evaluation (and event) order, and how to read each from a sample. */
  readonly resources: ResourceReaders<R, S>
  /** The payload field naming the subject, e.g. `agentId`. */
  readonly key: K
}

/** One open episode: a resource that has been over its line since `since`. */
interface Episode<R extends string> {
  readonly resource: R
  readonly since: number
  /** The monotonic reading at `since`. */
  readonly sinceMono: number
  readonly line: number
  readonly durationMs: number
  fired: boolean
  repeat: number
  lastErrorMono: number
}

/**
 * Sustained-threshold state machine, per subject (an agent, the host, a disk) and per resource,
 * with no I/O and an injected clock. First sample over the line -> warning; still over
 * `durationMs` after that first sample -> error (again every `repeatMs`); back at or under the
 * line -> resolved, only for an episode that emitted something. A missing value (null, or no
 * sample at all) leaves the episode and its timer as they are.
 */
export class ThresholdEvaluator<R extends string, S, K extends string, I extends string = string> {
  readonly #now: () => number
  readonly #monotonic: () => number
  readonly #key: K
  readonly #names: readonly R[]
  readonly #readers: readonly ((sample: S) => number | null)[]
  readonly #episodes = new Map<I, Map<R, Episode<R>>>()

  constructor(options: ThresholdEvaluatorOptions<R, S, K>) {
    this.#now = options.now ?? Date.now
    this.#monotonic = options.monotonic ?? options.now ?? (() => performance.now())
    this.#key = options.key
    this.#names = Object.keys(options.resources) as R[]
    this.#readers = this.#names.map((name) => options.resources[name])
  }

  /** Feeds one sample of `subject`; returns the events to emit, in order. No threshold ends its episodes as `cleared`. */
  evaluate(subject: I, threshold: ThresholdLines<R> | undefined, sample: S): ThresholdEventOf<R, K, I>[] {
    if (threshold === undefined) return this.end(subject, 'cleared')
    const now = this.#now()
    const mono = this.#monotonic()
    const events: ThresholdEventOf<R, K, I>[] = []
    let open = this.#episodes.get(subject)
    for (let i = 0; i < this.#names.length; i++) {
      const resource = this.#names[i]!
      const line = (threshold as { readonly [P in R]?: number | undefined })[resource]
      if (line === undefined) continue
      const value = this.#readers[i]!(sample)
      if (value === null) continue
      const ep = open?.get(resource)
      if (value <= line) {
        if (ep !== undefined) {
          open!.delete(resource)
          events.push(this.#resolved(subject, ep, now, mono, value, 'recovered'))
        }
        continue
      }
      if (ep === undefined) {
        const fresh: Episode<R> = {
          resource,
          since: now,
          sinceMono: mono,
          line,
          durationMs: threshold.durationMs,
          fired: false,
          repeat: 0,
          lastErrorMono: mono,
        }
        if (open === undefined) {
          open = new Map()
          this.#episodes.set(subject, open)
        }
        open.set(resource, fresh)
        events.push(this.#alert(subject, fresh, now, mono, value, 'warning', false))
        // durationMs 0: the first sample over the line is already sustained.
        this.#maybeFire(subject, fresh, threshold, now, mono, value, events)
        continue
      }
      this.#maybeFire(subject, ep, threshold, now, mono, value, events)
    }
    if (open !== undefined && open.size === 0) this.#episodes.delete(subject)
    return events
  }

  /** Ends every open episode of `subject` (gone, or its threshold replaced). */
  end(subject: I, reason: Exclude<ResolveReason, 'recovered'>): ThresholdResolvedOf<R, K, I>[] {
    const open = this.#episodes.get(subject)
    if (open === undefined) return []
    this.#episodes.delete(subject)
    const now = this.#now()
    const mono = this.#monotonic()
    return [...open.values()].map((ep) => this.#resolved(subject, ep, now, mono, null, reason))
  }

  /**
   * The open episodes of `subject` (or of every subject), as they stand: `error` once fired,
   * `warning` before; `since` is the first sample over the line.
   */
  openAlerts(subject?: I): OpenAlertOf<R, K, I>[] {
    const out: OpenAlertOf<R, K, I>[] = []
    const subjects = subject === undefined ? [...this.#episodes.keys()] : [subject]
    for (const id of subjects) {
      for (const ep of this.#episodes.get(id)?.values() ?? []) {
        out.push({
          [this.#key]: id,
          resource: ep.resource,
          level: ep.fired ? 'error' : 'warning',
          threshold: ep.line,
          since: ep.since,
          durationMs: ep.durationMs,
          repeat: ep.repeat,
        } as OpenAlertOf<R, K, I>)
      }
    }
    return out
  }

  /** Resources of `subject` with an open episode. */
  openEpisodes(subject: I): R[] {
    return [...(this.#episodes.get(subject)?.keys() ?? [])]
  }

  /** Subjects with at least one open episode. */
  subjects(): IterableIterator<I> {
    return this.#episodes.keys()
  }

  #maybeFire(
    subject: I,
    ep: Episode<R>,
    threshold: ThresholdLines<R>,
    now: number,
    mono: number,
    value: number,
    events: ThresholdEventOf<R, K, I>[],
  ): void {
    if (!ep.fired) {
      if (mono - ep.sinceMono < ep.durationMs) return
      ep.fired = true
      ep.lastErrorMono = mono
      // Only the first error of an episode restarts; repeats below never do.
      events.push(this.#alert(subject, ep, now, mono, value, 'error', threshold.action === 'restart'))
      return
    }
    if (threshold.repeatMs === undefined || mono - ep.lastErrorMono < threshold.repeatMs) return
    ep.repeat++
    ep.lastErrorMono = mono
    events.push(this.#alert(subject, ep, now, mono, value, 'error', false))
  }

  // The subject's field comes last: a computed key first costs ~30 bytes more per payload in V8 (out-of-object properties).
  #alert(
    subject: I,
    ep: Episode<R>,
    now: number,
    mono: number,
    value: number,
    level: 'warning' | 'error',
    restart: boolean,
  ): ThresholdAlertOf<R, K, I> {
    return {
      resource: ep.resource,
      level,
      value,
      threshold: ep.line,
      since: ep.since,
      exceededForMs: mono - ep.sinceMono,
      durationMs: ep.durationMs,
      at: now,
      repeat: level === 'error' ? ep.repeat : 0,
      restart,
      [this.#key]: subject,
    } as ThresholdAlertOf<R, K, I>
  }

  #resolved(
    subject: I,
    ep: Episode<R>,
    now: number,
    mono: number,
    value: number | null,
    reason: ResolveReason,
  ): ThresholdResolvedOf<R, K, I> {
    // Literal on purpose, like #alert's: a shared spread helper cost ~15 MB in the memory bench (reverted in aed53ac).
    return {
      resource: ep.resource,
      level: 'resolved',
      value,
      threshold: ep.line,
      since: ep.since,
      exceededForMs: mono - ep.sinceMono,
      durationMs: ep.durationMs,
      at: now,
      reason,
      fired: ep.fired,
      [this.#key]: subject,
    } as ThresholdResolvedOf<R, K, I>
  }
}
