import { readdirSync, readFileSync } from 'node:fs'
import pidtree from 'pidtree'

const isLinux = process.platform === 'linux'

/**
 * Direct children of `pid` from `/proc/<pid>/task/<tid>/children` (every thread can be a parent).
 * Empty when the process is gone. Linux only.
 */
export function childrenOf(pid: number): number[] {
  let tids: string[]
  try {
    tids = readdirSync(`/proc/${pid}/task`)
  } catch {
    return []
  }
  const out: number[] = []
  for (const tid of tids) {
    let text: string
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1')
    } catch {
      continue
    }
    for (const part of text.split(' ')) {
      if (part !== '' && part !== '\n') out.push(Number(part))
    }
  }
  return out
}

/**
 * Every descendant of `pid` (not `pid` itself), parents before their children. Synchronous and
 * spawns nothing on Linux, so a process that calls setsid() and leaves the group is still found.
 */
export function descendantsSync(pid: number): number[] {
  const out: number[] = []
  const seen = new Set<number>([pid])
  const queue = [pid]
  for (let i = 0; i < queue.length; i++) {
    for (const child of childrenOf(queue[i]!)) {
      if (seen.has(child)) continue
      seen.add(child)
      out.push(child)
      queue.push(child)
    }
  }
  return out
}

/** Descendants of `pid`: `/proc` on Linux, `pidtree` (which runs `ps`) elsewhere. */
export async function descendants(pid: number): Promise<number[]> {
  if (isLinux) return descendantsSync(pid)
  try {
    return await pidtree(pid)
  } catch {
    return []
  }
}
