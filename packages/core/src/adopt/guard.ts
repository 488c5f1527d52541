import { type ProcStat, readStat } from '@warden/utils'
import type { AdoptRefusal } from '../errors.js'

/** PF_KTHREAD in the flags of /proc/<pid>/stat. */
const PF_KTHREAD = 0x0020_0000
const KTHREADD = 2

/** The supervisor and its ancestors, nearest first (off Linux: itself and its parent). */
function selfAndAncestors(): Map<number, 'self' | 'ancestor'> {
  const chain = new Map<number, 'self' | 'ancestor'>([[process.pid, 'self']])
  chain.set(process.ppid, 'ancestor')
  for (let pid = process.ppid; pid > 1 && chain.size < 4096; ) {
    const parent = readStat(pid)?.ppid
    if (parent === undefined || parent <= 0 || chain.has(parent)) break
    chain.set(parent, 'ancestor')
    pid = parent
  }
  return chain
}

/**
 * Why a process must never be adopted (stop() would signal it, and a group signal would reach
 * its group), or undefined when it may be. `stat` is the process's /proc stat when known.
 */
export function adoptRefusal(pid: number, stat: ProcStat | undefined): AdoptRefusal | undefined {
  if (pid === 1) return 'init'
  if (pid === KTHREADD || (stat !== undefined && (stat.ppid === KTHREADD || stat.flags & PF_KTHREAD))) {
    return 'kernel-thread'
  }
  const own = selfAndAncestors().get(pid)
  if (own !== undefined) return own
  const self = readStat(process.pid)
  if (stat !== undefined && self !== undefined) {
    if (stat.pgrp === self.pgrp) return 'same-group'
    if (stat.session === self.session) return 'same-session'
  }
  return undefined
}
