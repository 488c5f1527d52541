import type { GpuProcess } from './parse.js'

/** GPU memory per pid, bytes, summed over GPUs (a process using two GPUs is listed twice). */
export function gpuMemoryByPid(processes: readonly GpuProcess[]): Map<number, number> {
  const byPid = new Map<number, number>()
  for (const p of processes) {
    if (p.usedMemoryBytes !== null) byPid.set(p.pid, (byPid.get(p.pid) ?? 0) + p.usedMemoryBytes)
  }
  return byPid
}

/**
 * GPU memory of each agent, bytes: the memory of its process and of its descendants. Every
 * agent with a pid gets an entry (0 when it holds none). A process inside two agents' trees (one
 * agent started another) counts for the nearest one only, the agent with the smaller tree.
 * `descendantsOf` is called only when some process holds GPU memory; `@warden/core`'s
 * `descendantsSync` fits.
 */
export function gpuMemoryByAgent(
  byPid: ReadonlyMap<number, number>,
  agents: Iterable<{ readonly id: string; readonly pid: number | null }>,
  descendantsOf: (pid: number) => Iterable<number>,
): Map<string, number> {
  const totals = new Map<string, number>()
  const trees: { id: string; pids: Set<number> }[] = []
  for (const agent of agents) {
    if (agent.pid === null) continue
    totals.set(agent.id, 0)
    if (byPid.size > 0) trees.push({ id: agent.id, pids: new Set([agent.pid, ...descendantsOf(agent.pid)]) })
  }
  for (const [pid, bytes] of byPid) {
    let owner: { id: string; pids: Set<number> } | undefined
    for (const tree of trees) {
      if (tree.pids.has(pid) && (owner === undefined || tree.pids.size < owner.pids.size)) owner = tree
    }
    if (owner !== undefined) totals.set(owner.id, totals.get(owner.id)! + bytes)
  }
  return totals
}
