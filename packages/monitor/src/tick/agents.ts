import type { PidSource } from '@warden/core'
import { type ResourceDataPoint, ResourceUsageHistory } from '@warden/store'
import type { SampleTarget } from '../sampler/types.js'

/** The process an agent's last point came from: another one ends the agent's episodes as gone. */
interface SampledProcess {
  readonly pid: number
  readonly startTicks: number | null
}

/**
 * What the monitor keeps of one listed agent, reused from tick to tick. It is also the agent's
 * sampler target: `pid` and `startTicks` are copied from the registry when a tick lists it, so a
 * registry that changes while the tick yields does not move them under it.
 */
export interface Agent extends SampleTarget {
  readonly id: string
  pid: number
  startTicks: number | null
  cgroup: string | null
  /** undefined until a point is recorded, and again once the agent is gone. */
  process: SampledProcess | undefined
  latest: ResourceDataPoint | undefined
  /** The process `latest` was sampled from (kept when the agent is gone, unlike `process`). */
  latestFrom: SampledProcess | undefined
  /** The in-memory history (monitor without a store), made with the first point. */
  history: ResourceUsageHistory | undefined
  /** Numbers of the listings that last listed it, made it a target, listed it twice. */
  listedIn: number
  targetIn: number
  repeatedIn: number
}

const isSampled = (status: string): boolean => status === 'running' || status === 'stopping'

/**
 * Every agent the registry listed, by id: one lookup per agent per tick, and departures found by
 * comparing listing numbers instead of rebuilding sets of ids each tick.
 */
export class AgentTable {
  readonly #byId = new Map<string, Agent>()
  readonly #historySize: number | undefined
  #listing = 0
  /** The listing whose targets the sampler was last pruned to. */
  #prunedAt = 0

  constructor(historySize?: number) {
    this.#historySize = historySize
  }

  get(id: string): Agent | undefined {
    return this.#byId.get(id)
  }

  /**
   * Reads the registry for a tick and returns the agents to sample, in registry order. An id
   * listed twice is sampled once (first entry) and given to `onRepeat` once per change.
   */
  list(registry: PidSource, onRepeat: (id: string) => void): Agent[] {
    const listing = ++this.#listing
    const targets: Agent[] = []
    for (const entry of registry.list()) {
      let agent = this.#byId.get(entry.id)
      if (agent === undefined) {
        agent = {
          id: entry.id,
          pid: 0,
          startTicks: null,
          cgroup: null,
          process: undefined,
          latest: undefined,
          latestFrom: undefined,
          history: undefined,
          listedIn: 0,
          targetIn: 0,
          repeatedIn: -1,
        }
        this.#byId.set(entry.id, agent)
      } else if (agent.listedIn === listing) {
        // Never two points per tick under one id; not reported again while it stays repeated.
        if (agent.repeatedIn < listing - 1) onRepeat(entry.id)
        agent.repeatedIn = listing
        continue
      }
      agent.listedIn = listing
      if (entry.pid === null || !isSampled(entry.status)) continue
      agent.pid = entry.pid
      agent.startTicks = entry.startTicks
      agent.cgroup = entry.cgroup ?? null
      agent.targetIn = listing
      targets.push(agent)
    }
    return targets
  }

  /** To be sampled in the last listing's tick. */
  isTarget(agent: Agent): boolean {
    return agent.targetIn === this.#listing
  }

  /**
   * After a listing: the agents no longer sampled that still have a process (their episodes end
   * as gone), the agents no longer listed (to forget, after that), and whether an agent sampled
   * since the sampler was last pruned is no longer sampled (the sampler may hold its state).
   */
  sweep(): { readonly stopped: Agent[]; readonly removed: Agent[]; readonly targetsLeft: boolean } {
    const listing = this.#listing
    const stopped: Agent[] = []
    const removed: Agent[] = []
    let targetsLeft = false
    for (const agent of this.#byId.values()) {
      if (agent.targetIn === listing) continue
      if (agent.targetIn > this.#prunedAt) targetsLeft = true
      if (agent.process !== undefined) stopped.push(agent)
      if (agent.listedIn !== listing) removed.push(agent)
    }
    return { stopped, removed, targetsLeft }
  }

  /** Notes that the sampler keeps state for the last listing's targets only. */
  pruned(): void {
    this.#prunedAt = this.#listing
  }

  /** Forgets an agent that left the registry, with its last point and in-memory history. */
  delete(agent: Agent): void {
    this.#byId.delete(agent.id)
  }

  /** The agent's in-memory history, made on first use. */
  historyOf(agent: Agent): ResourceUsageHistory {
    agent.history ??= new ResourceUsageHistory(
      this.#historySize === undefined ? {} : { maxSize: this.#historySize },
    )
    return agent.history
  }
}
