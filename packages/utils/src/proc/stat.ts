import { closeSync, openSync, readSync } from 'node:fs'

/** The fields of `/proc/<pid>/stat` that Warden uses. Times are in clock ticks. */
export interface ProcStat {
  readonly pid: number
  readonly comm: string
  /** One-letter state: R, S, D, Z (zombie), T, X (dead), ... */
  readonly state: string
  readonly ppid: number
  readonly pgrp: number
  readonly session: number
  /** Kernel flags (PF_*): PF_KTHREAD (0x00200000) marks a kernel thread. */
  readonly flags: number
  readonly utime: number
  readonly stime: number
  readonly numThreads: number
  /** Process start time in clock ticks since boot: with the pid, the identity of a process. */
  readonly startTicks: number
  /** Virtual memory size in bytes. */
  readonly vsize: number
  /** Resident set size in pages. */
  readonly rssPages: number
}

/**
 * Parses the text of `/proc/<pid>/stat`. `comm` may hold spaces and `)`, so the fields are
 * read after the LAST `)`. Returns undefined when the text is not a stat line.
 */
export function parseStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(')
  const close = text.lastIndexOf(')')
  if (open < 1 || close < open) return undefined
  // After ") " the fields start at field 3 (state); index i here is field i + 3.
  const f = text.slice(close + 2).split(' ')
  if (f.length < 22) return undefined
  const num = (i: number): number => Number(f[i])
  const stat: ProcStat = {
    pid: Number(text.slice(0, open - 1)),
    comm: text.slice(open + 1, close),
    state: f[0] ?? '?',
    ppid: num(1),
    pgrp: num(2),
    session: num(3),
    flags: num(6),
    utime: num(11),
    stime: num(12),
    numThreads: num(17),
    startTicks: num(19),
    vsize: num(20),
    rssPages: num(21),
  }
  return Number.isFinite(stat.startTicks) ? stat : undefined
}

// One reused buffer: reads are synchronous and parsed before the next one. A stat line is a few
// hundred bytes (comm is at most 64).
const buf = Buffer.allocUnsafe(4096)

/** Reads and parses `/proc/<pid>/stat`; undefined when the process does not exist (or is unreadable). */
export function readStat(pid: number): ProcStat | undefined {
  let fd: number
  try {
    fd = openSync(`/proc/${pid}/stat`, 'r')
  } catch {
    return undefined
  }
  try {
    // open + read + close: half the cost of readFileSync, which also fstats; stop() scans all of /proc.
    return parseStat(buf.toString('latin1', 0, readSync(fd, buf, 0, buf.length, 0)))
  } catch {
    return undefined
  } finally {
    closeSync(fd)
  }
}

/**
 * The start ticks of an identity taken where /proc could not tell them (off Linux, or a process
 * that was already gone): such an identity is checked by its pid alone.
 */
export const UNKNOWN_START_TICKS = -1

/** A process identity: a pid is reused by the kernel, pid + start ticks is not. */
export interface ProcessIdentity {
  readonly pid: number
  readonly startTicks: number
}

/**
 * Whether the process `identity` names is still alive: same pid, same start ticks, not a zombie.
 * A reused pid (other start ticks) is reported dead.
 */
export function isSameProcessAlive(identity: ProcessIdentity): boolean {
  const stat = readStat(identity.pid)
  return stat !== undefined && stat.startTicks === identity.startTicks && !isExited(stat)
}

/** Zombie (`Z`) or dead (`X`): the process has exited and only its pid is left, until reaped. */
export function isExited(stat: Pick<ProcStat, 'state'>): boolean {
  return stat.state === 'Z' || stat.state === 'X'
}

/** Start ticks of `pid` (field 22 of its stat), or undefined when it does not exist or has exited. */
export function startTicksOf(pid: number): number | undefined {
  const stat = readStat(pid)
  return stat === undefined || isExited(stat) ? undefined : stat.startTicks
}
