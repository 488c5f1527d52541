import type { AgentInstance, RestoreOutcome } from '../agent/instance.js'
import type { InvalidRecordError } from '../errors.js'
import type { ResolvedSpec } from '../options.js'
import { decodeRecord } from '../persist/decode.js'
import type { StoredRelay } from '../persist/state.js'
import type { AgentStateStore } from '../persist/store-adapter.js'
import type { AgentInfo } from '../registry/types.js'
import { liveRun } from './live.js'

/** What `restore()` did with one agent. */
export interface RestoreResult {
  readonly id: string
  /** `config`: `add()`ed before `restore()` (its spec is used); `store`: registered from the saved spec. */
  readonly source: 'config' | 'store'
  /**
   * A `RestoreOutcome`; `active`: the agent was started or adopted before `restore()` and is left
   * as it is; `skipped`: nothing was done (`error` says why: an invalid record of an agent not in
   * the config, or a call that failed).
   */
  readonly outcome: RestoreOutcome | 'active' | 'skipped'
  /** The agent's state afterwards (undefined when skipped without being registered). */
  readonly info: AgentInfo | undefined
  /** Why it was skipped, or why a configured agent's saved state was ignored (it was started instead). */
  readonly error?: Error
}

/** What restore needs of the supervisor. */
export interface RestoreHost {
  /** The agent registered under `id` and usable (not being removed), if any. */
  agent(id: string): AgentInstance | undefined
  /** Every usable agent. */
  agents(): Iterable<AgentInstance>
  /** Whether `id` is taken (registered, or being removed). */
  taken(id: string): boolean
  /** Registers an agent from its saved spec. */
  create(spec: ResolvedSpec, adopted: boolean): AgentInstance
  /** Whether shutdown() began: nothing more is restored. */
  closed(): boolean
  /** Attaches again to a log relay a previous supervisor left (still running). */
  adoptRelay(relay: StoredRelay): void
}

/** Reads every saved agent and brings it back (see Supervisor.restore); configured ones without saved state are started. */
export async function restoreAll(
  store: Required<AgentStateStore>,
  host: RestoreHost,
): Promise<RestoreResult[]> {
  const work: Array<() => Promise<RestoreResult>> = []
  const seen = new Set<string>()
  for (const id of await store.list()) {
    const record = await store.get(id)
    if (record === undefined || host.closed()) continue
    const decoded = decodeRecord(id, record as Record<string, unknown>)
    if (decoded.kind === 'absent') continue
    seen.add(id)
    const configured = host.agent(id)
    const source = configured === undefined ? 'store' : 'config'
    if (decoded.kind === 'invalid') {
      if (configured === undefined) {
        const result: RestoreResult = {
          id,
          source,
          outcome: 'skipped',
          info: undefined,
          error: decoded.error,
        }
        work.push(() => Promise.resolve(result))
      } else {
        work.push(() => restoreOne(configured, source, () => startFresh(configured), decoded.error))
      }
      continue
    }
    if (configured === undefined && host.taken(id)) continue
    const agent = configured ?? host.create(decoded.spec, decoded.state.adopted)
    const live = liveRun(decoded.state, agent.spec.stderrTail)
    // Attached before anything starts: the agents started below write through it too.
    if (live.relay !== undefined) host.adoptRelay(live.relay)
    work.push(() => restoreOne(agent, source, () => agent.restore(decoded.state, live)))
  }
  for (const agent of host.agents()) {
    if (seen.has(agent.id) || agent.spec.command === undefined) continue
    work.push(() => restoreOne(agent, 'config', () => startFresh(agent)))
  }
  return Promise.all(work.map((w) => w()))
}

/** Runs `restore` for an idle agent, turning a failure into a `skipped` result. */
async function restoreOne(
  agent: AgentInstance,
  source: 'config' | 'store',
  restore: () => Promise<RestoreOutcome>,
  ignored?: InvalidRecordError,
): Promise<RestoreResult> {
  const extra = ignored === undefined ? {} : { error: ignored }
  if (!agent.idle) return { id: agent.id, source, outcome: 'active', info: agent.info, ...extra }
  try {
    return { id: agent.id, source, outcome: await restore(), info: agent.info, ...extra }
  } catch (error) {
    return { id: agent.id, source, outcome: 'skipped', info: agent.info, error: error as Error }
  }
}

async function startFresh(agent: AgentInstance): Promise<RestoreOutcome> {
  await agent.start()
  return 'started'
}
