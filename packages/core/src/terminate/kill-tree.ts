import { setTimeout as sleep } from 'node:timers/promises'
import {
  descendants,
  isExited,
  isSameProcessAlive,
  type ProcessIdentity,
  readStat,
  UNKNOWN_START_TICKS,
} from '@warden/utils'
import { scanSoon } from '../proc/scan-batch.js'

const isLinux = process.platform === 'linux'

export interface TerminateTreeOptions {
  /**
   * The root process; it (and its tree and group) is left alone when its pid now names another
   * process. May be omitted with `envCookie`: then only the cookie's carriers are stopped.
   */
  readonly root?: ProcessIdentity
  /** @default 'SIGTERM' */
  readonly signal?: NodeJS.Signals
  /** Grace time before SIGKILL to every survivor. @default 10000 */
  readonly timeoutMs?: number
  /** How long to wait for the SIGKILLed processes to vanish before giving up. @default 5000 */
  readonly killTimeoutMs?: number
  /**
   * Signal every process of the agent, not only the root: its descendants, the members of its
   * group and session (Linux), and the carriers of `envCookie`. @default true
   */
  readonly tree?: boolean
  /** Also signal the root's process group (and find its members) when the root leads one. @default true */
  readonly group?: boolean
  /**
   * A `NAME=value` entry every process of the agent inherited (Linux, with `tree`): a /proc scan
   * finds its carriers even after they left the tree, the group and the session (double fork +
   * setsid), with or without a live root.
   */
  readonly envCookie?: string
  /**
   * Start ticks of the agent's first process (of the run the cookie names): every process of the
   * agent started at or after it, so older ones are skipped by the /proc scan. @default 0
   */
  readonly sinceTicks?: number
}

export interface TerminateTreeResult {
  /** Processes found (root included), collected before and during every signal round. */
  readonly processes: number
  /** Processes that needed SIGKILL. */
  readonly killed: number
  /** Pids still alive at the end (stuck in uninterruptible sleep, ...); empty on success. */
  readonly survivors: readonly number[]
}

function alive(p: ProcessIdentity): boolean {
  if (p.startTicks !== UNKNOWN_START_TICKS) return isSameProcessAlive(p)
  try {
    process.kill(p.pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function identify(pid: number): ProcessIdentity | undefined {
  if (!isLinux) return { pid, startTicks: UNKNOWN_START_TICKS }
  const stat = readStat(pid)
  return stat === undefined || isExited(stat) ? undefined : { pid, startTicks: stat.startTicks }
}

function send(target: number, signal: NodeJS.Signals): void {
  try {
    process.kill(target, signal)
  } catch {
    // ESRCH: already gone; EPERM: not ours to signal — the poll reports it as a survivor.
  }
}

const key = (p: ProcessIdentity): string => `${p.pid}:${p.startTicks}`

/** Least time between two full /proc scans while waiting (the final check always scans). */
const SCAN_EVERY_MS = 100

/**
 * Stops every process of an agent and resolves once all are gone or the kill deadline passed.
 * The tree (`/proc/<pid>/task/<tid>/children`, no `ps`) is read before the first signal and at
 * every poll; a full /proc scan (members of the root's group and session, carriers of
 * `envCookie`) runs at most every SCAN_EVERY_MS while waiting. Newcomers get the current round's
 * signal. It only ends when a scan made after every known process had died finds nothing new, so
 * a process forked by a dying parent (reparented away from the tree) is never missed. Identities
 * are pid + start ticks, checked right before each kill, so a reused pid is never signalled.
 * Zombies count as gone: they have exited, and their reaping is their parent's (or init's) business.
 */
export async function terminateTree(opts: TerminateTreeOptions): Promise<TerminateTreeResult> {
  const { root } = opts
  const signal = opts.signal ?? 'SIGTERM'
  const timeoutMs = opts.timeoutMs ?? 10_000
  const killTimeoutMs = opts.killTimeoutMs ?? 5000
  const tree = opts.tree ?? true
  const cookie = tree && isLinux ? opts.envCookie : undefined
  const members = new Map<string, ProcessIdentity>()

  const rootPid = root?.pid ?? 0
  const rootStat = isLinux && root !== undefined ? readStat(root.pid) : undefined
  // A zombie root is still ours (its pid is not free): what stayed in its group still runs.
  const rootOurs = rootStat !== undefined && rootStat.startTicks === root?.startTicks
  const leadsGroup = (opts.group ?? true) && rootOurs && rootStat.pgrp === rootPid
  const leadsSession = rootOurs && rootStat.session === rootPid
  // The root's pid names its group/session only while a process holds that id; once none does,
  // the kernel may give the pid to a stranger leading a group of its own, so we let go of it.
  let groupHeld = leadsGroup || (tree && (opts.group ?? true) && leadsSession)
  if (root !== undefined && alive(root)) members.set(key(root), root)
  else if (!groupHeld && cookie === undefined) return { processes: 0, killed: 0, survivors: [] }

  const living = (): ProcessIdentity[] => [...members.values()].filter(alive)
  const add = (p: ProcessIdentity, found: ProcessIdentity[]): void => {
    if (members.has(key(p))) return
    members.set(key(p), p)
    found.push(p)
  }
  // No scan before the first signal: most agents are gone within SCAN_EVERY_MS, and the scan that
  // decides their end is then shared with the other stops of a shutdown (see scanSoon).
  let lastScan = Date.now()
  // `scan`: also read all of /proc (group, session, cookie). Costly, so at most every SCAN_EVERY_MS
  // while waiting; always for the collection that decides the end.
  const collect = async (scan: boolean): Promise<ProcessIdentity[]> => {
    const found: ProcessIdentity[] = []
    if (!tree) return found
    for (const parent of living()) {
      const pids = await descendants(parent.pid)
      // The parent died meanwhile: its pid may name a stranger whose children are not ours.
      if (!alive(parent)) continue
      for (const pid of pids) {
        const p = identify(pid)
        if (p !== undefined) add(p, found)
      }
    }
    if (scan && isLinux && (groupHeld || cookie !== undefined)) {
      lastScan = Date.now()
      const result = await scanSoon({
        group: groupHeld ? rootPid : undefined,
        envEntry: cookie,
        sinceTicks: opts.sinceTicks,
      })
      groupHeld &&= result.groupHeld
      for (const p of result.matches) add(p, found)
    }
    return found
  }
  const signalAll = (sig: NodeJS.Signals, targets: Iterable<ProcessIdentity>): void => {
    if (leadsGroup && groupHeld) send(-rootPid, sig)
    for (const p of targets) if (alive(p)) send(p.pid, sig)
  }

  // Polls until a collection made after every known process died finds nothing, or the deadline.
  const round = async (sig: NodeJS.Signals, deadline: number): Promise<ProcessIdentity[]> => {
    let pause = 2
    for (;;) {
      const left = living()
      const newcomers = await collect(left.length === 0 || Date.now() - lastScan >= SCAN_EVERY_MS)
      if (newcomers.length > 0) signalAll(sig, newcomers)
      if (left.length === 0 && newcomers.length === 0) return []
      if (Date.now() >= deadline) return living()
      await sleep(Math.min(pause, Math.max(1, deadline - Date.now())))
      pause = Math.min(pause * 2, 50)
    }
  }

  await collect(false)
  signalAll(signal, members.values())
  let left = await round(signal, Date.now() + timeoutMs)
  let killed = 0
  if (left.length > 0) {
    killed = left.length
    signalAll('SIGKILL', left)
    left = await round('SIGKILL', Date.now() + killTimeoutMs)
  }
  return { processes: members.size, killed, survivors: left.map((p) => p.pid) }
}
