import { closeSync, openSync, readdirSync, readSync } from 'node:fs'
import { isExited, type ProcessIdentity, readStat } from '@warden/utils'

export interface ScanQuery {
  /** Match processes whose process group or session is this id (a session/group leader's pid). */
  readonly group?: number
  /** Match processes whose environment holds this exact `NAME=value` entry. */
  readonly envEntry?: string
  /**
   * Start ticks before which no process can match (the first process of the agent's run: all the
   * others descend from it): older processes are skipped without reading their environment.
   */
  readonly sinceTicks?: number
}

export interface ScanResult {
  /** Live (non-zombie) matches. */
  readonly matches: ProcessIdentity[]
  /** Whether any process (zombies included, not older than `sinceTicks`) still has `group` as its group or session id. */
  readonly groupHeld: boolean
}

// Grown as needed, kept: reads are synchronous and searched before the next one.
let environBuf = Buffer.allocUnsafe(64 * 1024)

/**
 * The whole `/proc/<pid>/environ`, or undefined (gone, or another user's). open + read: readFileSync
 * costs many times more on these size-less files, and stop() reads many of them.
 */
function readEnviron(pid: number): Buffer | undefined {
  let fd: number
  try {
    fd = openSync(`/proc/${pid}/environ`, 'r')
  } catch {
    return undefined
  }
  try {
    let len = 0
    for (;;) {
      if (len === environBuf.length) {
        const bigger = Buffer.allocUnsafe(environBuf.length * 2)
        environBuf.copy(bigger, 0, 0, len)
        environBuf = bigger
      }
      const n = readSync(fd, environBuf, len, environBuf.length - len, len)
      if (n === 0) return environBuf.subarray(0, len)
      len += n
    }
  } catch {
    return undefined
  } finally {
    closeSync(fd)
  }
}

/** The value of `prefix` (`NAME=`) in `environ` (NUL-separated `NAME=value` entries), or null. */
function variableValue(environ: Buffer, prefix: Buffer): string | null {
  for (let at = environ.indexOf(prefix); at !== -1; at = environ.indexOf(prefix, at + 1)) {
    if (at !== 0 && environ[at - 1] !== 0) continue
    const end = environ.indexOf(0, at + prefix.length)
    return environ.toString('latin1', at + prefix.length, end === -1 ? environ.length : end)
  }
  return null
}

/**
 * The value of the variable `name` in the environment of `pid`: null when it has none, undefined
 * when the environment cannot be read (gone, or another user's when not root).
 */
export function environValue(pid: number, name: string): string | null | undefined {
  const environ = readEnviron(pid)
  return environ === undefined ? undefined : variableValue(environ, Buffer.from(`${name}=`, 'latin1'))
}

/**
 * Per variable (`NAME=`), its value in each live process (`pid:startTicks`). Reading an environ
 * touches the target's memory and is slow, and a process only carries the value we look for by
 * inheriting it, so the first reading stands for the life of the identity. Entries of processes
 * absent from the last scan are dropped.
 */
const envCache = new Map<string, Map<string, string | null>>()

/**
 * Scans every process in /proc (Linux) once for all `queries`: members of a group/session or
 * carriers of an environment entry. Processes whose environ cannot be read (another user's, when
 * not root) are skipped; a pid whose start ticks changed while it was read is skipped, so a reused
 * pid is never reported. One result per query, in order.
 */
export function scanProcesses(queries: readonly ScanQuery[]): ScanResult[] {
  const results = queries.map(() => ({ matches: [] as ProcessIdentity[], groupHeld: false }))
  const envs = queries.map((q) => {
    if (q.envEntry === undefined) return undefined
    const eq = q.envEntry.indexOf('=')
    return { prefix: q.envEntry.slice(0, eq + 1), wanted: q.envEntry.slice(eq + 1) }
  })
  const prefixes = [...new Set(envs.flatMap((e) => (e === undefined ? [] : [e.prefix])))]
  const seen = new Map(prefixes.map((p) => [p, new Map<string, string | null>()]))
  let names: string[]
  try {
    names = readdirSync('/proc')
  } catch {
    return results
  }
  for (const name of names) {
    const pid = Number(name)
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue
    const stat = readStat(pid)
    if (stat === undefined) continue
    const id = `${pid}:${stat.startTicks}`
    const alive = !isExited(stat)
    // The value of each variable in this process: cached, or read once for all queries.
    const values = new Map<string, string | null | undefined>()
    const valueFor = (prefix: string): string | null | undefined => {
      if (values.has(prefix)) return values.get(prefix)
      let value = envCache.get(prefix)?.get(id)
      if (value === undefined) {
        const environ = readEnviron(pid)
        // Read again: the environ must be that of the process the stat named, not a reused pid's.
        if (environ !== undefined && readStat(pid)?.startTicks === stat.startTicks) {
          value = variableValue(environ, Buffer.from(prefix, 'latin1'))
        }
      }
      values.set(prefix, value)
      if (value !== undefined) seen.get(prefix)?.set(id, value)
      return value
    }
    for (const [prefix, cache] of envCache) {
      const cached = cache.get(id)
      if (cached !== undefined) seen.get(prefix)?.set(id, cached)
    }
    for (const [i, q] of queries.entries()) {
      if (stat.startTicks < (q.sinceTicks ?? 0)) continue
      const result = results[i]!
      const inGroup = q.group !== undefined && (stat.pgrp === q.group || stat.session === q.group)
      if (inGroup) result.groupHeld = true
      if (!alive) continue
      const env = envs[i]
      if (inGroup || (env !== undefined && valueFor(env.prefix) === env.wanted)) {
        result.matches.push({ pid, startTicks: stat.startTicks })
      }
    }
  }
  for (const [prefix, values] of seen) envCache.set(prefix, values)
  return results
}
