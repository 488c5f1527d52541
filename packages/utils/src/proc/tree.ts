import { closeSync, openSync, readdirSync, readSync } from 'node:fs'
import pidtree from 'pidtree'

const isLinux = process.platform === 'linux'

// One reused buffer: reads are synchronous and parsed before the next one.
const buf = Buffer.allocUnsafe(4096)

/** Appends the pids listed in one `children` file; open + read + close, no fstat or string. */
function readChildren(path: string, out: number[]): void {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return
  }
  try {
    let value = -1
    for (let pos = 0; ; ) {
      const n = readSync(fd, buf, 0, buf.length, pos)
      if (n === 0) break
      pos += n
      for (let i = 0; i < n; i++) {
        const c = buf[i]!
        if (c >= 0x30 && c <= 0x39) value = (value < 0 ? 0 : value * 10) + (c - 0x30)
        else if (value >= 0) {
          out.push(value)
          value = -1
        }
      }
    }
    if (value >= 0) out.push(value)
  } catch {
    // The process died mid-read: what was read stands.
  } finally {
    closeSync(fd)
  }
}

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
  for (const tid of tids) readChildren(`/proc/${pid}/task/${tid}/children`, out)
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
