import type { ResourceMonitor, ThresholdAlert, ThresholdResolved, ThresholdResource } from '@warden/monitor'

/** One open alert episode of an agent: its latest warning or error. */
export interface OpenEpisode {
  readonly resource: ThresholdResource
  readonly level: 'warning' | 'error'
  readonly value: number
  readonly threshold: number
  /** ms since epoch of the first sample over the line. */
  readonly since: number
  /** ms since epoch of the latest event of the episode. */
  readonly at: number
  readonly exceededForMs: number
  readonly repeat: number
}

/**
 * Open alert episodes per agent, kept from the monitor's threshold events: the monitor has no
 * public list of them (wanted: `monitor.openEpisodes(id?)`). Episodes opened before this tracker
 * was created are not known, so the server must be created before `monitor.start()`.
 */
export class AlertTracker {
  readonly #monitor: ResourceMonitor
  readonly #open = new Map<string, Map<ThresholdResource, OpenEpisode>>()
  readonly #onAlert = (a: ThresholdAlert): void => {
    let agent = this.#open.get(a.agentId)
    if (agent === undefined) {
      agent = new Map()
      this.#open.set(a.agentId, agent)
    }
    agent.set(a.resource, {
      resource: a.resource,
      level: a.level,
      value: a.value,
      threshold: a.threshold,
      since: a.since,
      at: a.at,
      exceededForMs: a.exceededForMs,
      repeat: a.repeat,
    })
  }
  readonly #onResolved = (r: ThresholdResolved): void => {
    const agent = this.#open.get(r.agentId)
    agent?.delete(r.resource)
    if (agent?.size === 0) this.#open.delete(r.agentId)
  }

  constructor(monitor: ResourceMonitor) {
    this.#monitor = monitor
    monitor.on('threshold:warning', this.#onAlert)
    monitor.on('threshold:error', this.#onAlert)
    monitor.on('threshold:resolved', this.#onResolved)
  }

  /** The agent's open episodes, in resource order of their opening. */
  open(id: string): OpenEpisode[] {
    const agent = this.#open.get(id)
    return agent === undefined ? [] : [...agent.values()]
  }

  /** Every agent with an open episode. */
  entries(): IterableIterator<[string, Map<ThresholdResource, OpenEpisode>]> {
    return this.#open.entries()
  }

  close(): void {
    this.#monitor.off('threshold:warning', this.#onAlert)
    this.#monitor.off('threshold:error', this.#onAlert)
    this.#monitor.off('threshold:resolved', this.#onResolved)
  }
}
