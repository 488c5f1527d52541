/**
 * The agent's place in the checkpoint cycle, in [0, every): FNV-1a of its id. Agents loaded
 * together (every agent on a daemon's first tick) then reach their first checkpoint spread over
 * `every` ticks instead of all in the same one, and stay spread.
 */
export function checkpointOffset(id: string, every: number): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193)
  return (hash >>> 0) % every
}
