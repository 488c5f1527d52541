import type { Snapshot } from '../schemas/snapshot.js'
import type { Sources } from '../sources/sources.js'
import { agentView } from './agent.js'
import { hostView } from './host.js'

/** The whole node at one instant: what a central node pulls. */
export function snapshot(sources: Sources, now = Date.now()): Snapshot {
  const gpu = sources.gpuByAgent()
  return {
    node: { id: sources.id },
    time: now,
    host: hostView(sources.host?.latest()),
    agents: sources.supervisor.list().map((info) => agentView(sources, info, now, gpu)),
  }
}
