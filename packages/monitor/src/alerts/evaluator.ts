import type { ResourceDataPoint } from '@warden/store'
import {
  type ResolveReason,
  type ResourceThreshold,
  THRESHOLD_RESOURCES,
  type ThresholdAlert,
  type ThresholdEvent,
  type ThresholdResolved,
  type ThresholdResource,
} from './types.js'

export interface EvaluatorOptions {
  /** Clock for the events' `since` and `at` labels, ms since epoch. @default Date.now */
  readonly now?: () => number
  /**
   * Clock for durations (`durationMs`, `repeatMs`, `exceededForMs`), ms from any origin, so a
   * stepped wall clock never shortens or stretches them.
   * @default `now` when given (one simulated clock), else performance.now
   */
  readonly monotonic?: () => number
}

/** An open episode as `openAlerts()` shows it. */
export interface OpenAlert {
  readonly agentId: string
  readonly resource: ThresholdResource
  /** `error` once the value stayed over the line for `durationMs`; `warning` before. */
  readonly level: 'warning' | 'error'
  /** The line, in the resource's unit. */
  readonly threshold: number
  /** ms since epoch of the first sample over the line. */
  readonly since: number
  readonly durationMs: number
  /** Reminders sent so far (`repeatMs`). */
  readonly repeat: number
}

/** One open episode: a resource that has been over its line since `since`. */
interface Episode {
  readonly resource: ThresholdResource
  readonly since: number
  /** The monotonic reading at `since`. */
  readonly sinceMono: number
  readonly line: number
  readonly durationMs: number
  fired: boolean
  repeat: number
  lastErrorMono: number
}

/** The value a threshold resource reads from a point; null when the sample lacks it. */
function resourceValue(point: ResourceDataPoint, resource: ThresholdResource): number | null {
  switch (resource) {
    case 'cpuPercent':
      return point.cpuPercent
    case 'memoryBytes':
      return point.memoryRss
    case 'openFiles':
      return point.openFiles
    case 'threads':
      return point.threads
  }
}

/**
 * Sustained-threshold state machine, per agent and per resource, with no I/O and an injected
 * clock. First sample over the line -> warning; still over `durationMs` after that first
 * sample -> error (again every `repeatMs`); back at or under the line -> resolved, only for
 * an episode that emitted something. A missing value (null, or no sample at all) leaves the
 * episode and its timer as they are.
 */
export class ThresholdEvaluator {
  readonly #now: () => number
  readonly #monotonic: () => number
  readonly #episodes = new Map<string, Map<ThresholdResource, Episode>>()

  constructor(options: EvaluatorOptions = {}) {
    this.#now = options.now ?? Date.now
    this.#monotonic = options.monotonic ?? options.now ?? (() => performance.now())
  }

  /** Feeds one sample of `agentId`; returns the events to emit, in order. */
  evaluate(
    agentId: string,
    threshold: ResourceThreshold | undefined,
    point: ResourceDataPoint,
  ): ThresholdEvent[] {
    if (threshold === undefined) return this.end(agentId, 'cleared')
    const now = this.#now()
    const mono = this.#monotonic()
    const events: ThresholdEvent[] = []
    let open = this.#episodes.get(agentId)
    for (const resource of THRESHOLD_RESOURCES) {
      const line = threshold[resource]
      if (line === undefined) continue
      const value = resourceValue(point, resource)
      if (value === null) continue
      const ep = open?.get(resource)
      if (value <= line) {
        if (ep !== undefined) {
          open!.delete(resource)
          events.push(this.#resolved(agentId, resource, ep, now, mono, value, 'recovered'))
        }
        continue
      }
      if (ep === undefined) {
        const fresh: Episode = {
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
          this.#episodes.set(agentId, open)
        }
        open.set(resource, fresh)
        events.push(this.#alert(agentId, resource, fresh, now, mono, value, 'warning', false))
        // durationMs 0: the first sample over the line is already sustained.
        this.#maybeFire(agentId, resource, fresh, threshold, now, mono, value, events)
        continue
      }
      this.#maybeFire(agentId, resource, ep, threshold, now, mono, value, events)
    }
    if (open !== undefined && open.size === 0) this.#episodes.delete(agentId)
    return events
  }

  /** Ends every open episode of `agentId` (agent gone, or its threshold replaced). */
  end(agentId: string, reason: Exclude<ResolveReason, 'recovered'>): ThresholdResolved[] {
    const open = this.#episodes.get(agentId)
    if (open === undefined) return []
    this.#episodes.delete(agentId)
    const now = this.#now()
    const mono = this.#monotonic()
    return [...open].map(([resource, ep]) => this.#resolved(agentId, resource, ep, now, mono, null, reason))
  }

  /**
   * The open episodes of `agentId` (or of every agent), as they stand: `error` once fired,
   * `warning` before; `since` is the first sample over the line.
   */
  openAlerts(agentId?: string): OpenAlert[] {
    const out: OpenAlert[] = []
    const ids = agentId === undefined ? [...this.#episodes.keys()] : [agentId]
    for (const id of ids) {
      for (const ep of this.#episodes.get(id)?.values() ?? []) {
        out.push({
          agentId: id,
          resource: ep.resource,
          level: ep.fired ? 'error' : 'warning',
          threshold: ep.line,
          since: ep.since,
          durationMs: ep.durationMs,
          repeat: ep.repeat,
        })
      }
    }
    return out
  }

  /** Resources of `agentId` with an open episode. */
  openEpisodes(agentId: string): ThresholdResource[] {
    return [...(this.#episodes.get(agentId)?.keys() ?? [])]
  }

  /** Agents with at least one open episode. */
  agents(): IterableIterator<string> {
    return this.#episodes.keys()
  }

  #maybeFire(
    agentId: string,
    resource: ThresholdResource,
    ep: Episode,
    threshold: ResourceThreshold,
    now: number,
    mono: number,
    value: number,
    events: ThresholdEvent[],
  ): void {
    if (!ep.fired) {
      if (mono - ep.sinceMono < ep.durationMs) return
      ep.fired = true
      ep.lastErrorMono = mono
      // Only the first error of an episode restarts; repeats below never do.
      events.push(
        this.#alert(agentId, resource, ep, now, mono, value, 'error', threshold.action === 'restart'),
      )
      return
    }
    if (threshold.repeatMs === undefined || mono - ep.lastErrorMono < threshold.repeatMs) return
    ep.repeat++
    ep.lastErrorMono = mono
    events.push(this.#alert(agentId, resource, ep, now, mono, value, 'error', false))
  }

  #alert(
    agentId: string,
    resource: ThresholdResource,
    ep: Episode,
    now: number,
    mono: number,
    value: number,
    level: 'warning' | 'error',
    restart: boolean,
  ): ThresholdAlert {
    return {
      agentId,
      resource,
      level,
      value,
      threshold: ep.line,
      since: ep.since,
      exceededForMs: mono - ep.sinceMono,
      durationMs: ep.durationMs,
      at: now,
      repeat: level === 'error' ? ep.repeat : 0,
      restart,
    }
  }

  #resolved(
    agentId: string,
    resource: ThresholdResource,
    ep: Episode,
    now: number,
    mono: number,
    value: number | null,
    reason: ResolveReason,
  ): ThresholdResolved {
    // Literal on purpose, like #alert's: a shared spread helper cost ~15 MB in the memory bench (reverted in aed53ac).
    return {
      agentId,
      resource,
      level: 'resolved',
      value,
      threshold: ep.line,
      since: ep.since,
      exceededForMs: mono - ep.sinceMono,
      durationMs: ep.durationMs,
      at: now,
      reason,
      fired: ep.fired,
    }
  }
}
