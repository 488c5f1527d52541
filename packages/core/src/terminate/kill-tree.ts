import { setTimeout as sleep } from 'node:timers/promises'
import { isSameProcessAlive, type ProcessIdentity, readStat } from '../proc/stat.js'
import { descendants, descendantsSync } from '../proc/tree.js'

const isLinux = process.platform === 'linux'

export interface TerminateTreeOptions {
  /** The root process; nothing is signalled when its pid now names another process. */
  readonly root: ProcessIdentity
  /** @default 'SIGTERM' */
  readonly signal?: NodeJS.Signals
  /** Grace time before SIGKILL to every survivor. @default 10000 */
  readonly timeoutMs?: number
  /** How long to wait for the SIGKILLed processes to vanish before giving up. @default 5000 */
  readonly killTimeoutMs?: number
  /** Signal every descendant too (collected before signalling), not only the root. @default true */
  readonly tree?: boolean
  /** Also signal the root's process group when the root leads one. @default true */
  readonly group?: boolean
}

export interface TerminateTreeResult {
  /** Processes found in the tree (root included), collected before and while signalling. */
  readonly processes: number
  /** Processes that needed SIGKILL. */
  readonly killed: number
  /** Pids still alive at the end (stuck in uninterruptible sleep, ...); empty on success. */
  readonly survivors: readonly number[]
}

/** Off Linux there is no start time to read: -1 means "trust the pid". */
const UNKNOWN_TICKS = -1

function alive(p: ProcessIdentity): boolean {
  if (p.startTicks !== UNKNOWN_TICKS) return isSameProcessAlive(p)
  try {
    process.kill(p.pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function identify(pid: number): ProcessIdentity | undefined {
  if (!isLinux) return { pid, startTicks: UNKNOWN_TICKS }
  const stat = readStat(pid)
  return stat === undefined || stat.state === 'Z' ? undefined : { pid, startTicks: stat.startTicks }
}

function send(target: number, signal: NodeJS.Signals): void {
  try {
    process.kill(target, signal)
  } catch {
    // ESRCH: already gone; EPERM: not ours to signal — the poll reports it as a survivor.
  }
}

/**
 * Stops a process tree and resolves once every process of it is gone. The tree is read from
 * `/proc/<pid>/task/<tid>/children` (no `ps`) BEFORE signalling, so a descendant that called
 * setsid() and left the process group is still signalled; processes forked meanwhile are picked up
 * on each poll. Identities are pid + start ticks, so a pid reused by a stranger is never signalled.
 * Zombies count as gone: they have exited, and their reaping is their parent's (or init's) business.
 */
export async function terminateTree(opts: TerminateTreeOptions): Promise<TerminateTreeResult> {
  const signal = opts.signal ?? 'SIGTERM'
  const timeoutMs = opts.timeoutMs ?? 10_000
  const killTimeoutMs = opts.killTimeoutMs ?? 5000
  const tree = opts.tree ?? true
  const members = new Map<number, ProcessIdentity>()
  if (!alive(opts.root)) {
    // An unreaped root (zombie) has no children left, but what stayed in its group still runs.
    const stat = isLinux ? readStat(opts.root.pid) : undefined
    if (stat?.startTicks === opts.root.startTicks && stat.pgrp === opts.root.pid && (opts.group ?? true)) {
      send(-opts.root.pid, signal)
    }
    return { processes: 0, killed: 0, survivors: [] }
  }
  members.set(opts.root.pid, opts.root)

  const collect = async (from: readonly ProcessIdentity[]): Promise<ProcessIdentity[]> => {
    if (!tree) return []
    const found: ProcessIdentity[] = []
    for (const p of from) {
      const pids = isLinux ? descendantsSync(p.pid) : await descendants(p.pid)
      for (const pid of pids) {
        if (members.has(pid)) continue
        const id = identify(pid)
        if (id === undefined) continue
        members.set(pid, id)
        found.push(id)
      }
    }
    return found
  }
  await collect([opts.root])

  const rootStat = isLinux ? readStat(opts.root.pid) : undefined
  const group = (opts.group ?? true) && rootStat !== undefined && rootStat.pgrp === opts.root.pid
  const signalAll = (sig: NodeJS.Signals, targets: Iterable<ProcessIdentity>): void => {
    if (group) send(-opts.root.pid, sig)
    for (const p of targets) if (alive(p)) send(p.pid, sig)
  }
  const living = (): ProcessIdentity[] => [...members.values()].filter(alive)

  // Polls until the tree is gone or the deadline, signalling newcomers as they appear.
  const waitGone = async (sig: NodeJS.Signals, deadline: number): Promise<ProcessIdentity[]> => {
    let pause = 2
    for (;;) {
      const left = living()
      if (left.length === 0) return left
      const newcomers = await collect(left)
      if (newcomers.length > 0) signalAll(sig, newcomers)
      if (Date.now() >= deadline) return living()
      await sleep(Math.min(pause, Math.max(1, deadline - Date.now())))
      pause = Math.min(pause * 2, 50)
    }
  }

  signalAll(signal, members.values())
  let left = await waitGone(signal, Date.now() + timeoutMs)
  let killed = 0
  if (left.length > 0) {
    killed = left.length
    signalAll('SIGKILL', left)
    left = await waitGone('SIGKILL', Date.now() + killTimeoutMs)
  }
  return { processes: members.size, killed, survivors: left.map((p) => p.pid) }
}
