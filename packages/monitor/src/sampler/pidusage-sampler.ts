import type { ResourceDataPoint } from '@warden/store'
import { descendants, readStat, serialize } from '@warden/utils'
import pidusage from 'pidusage'
import { SampleError } from '../errors.js'
import { isExited } from '../procfs/stat.js'
import { monotonicMs } from '../procfs/system.js'
import { invalidPidError } from './target-pid.js'
import type { SampleOptions, SampleOutcome, Sampler, SampleTarget } from './types.js'

/** What pidusage reports for one pid (only the fields used). */
interface Usage {
  /** Total cpu time (user + system), ms. */
  readonly ctime: number
  /** ms since the process started. */
  readonly elapsed: number
  /** Date.now() when read. */
  readonly timestamp: number
  /** RSS, bytes. */
  readonly memory: number
}

const hasProcfs = process.platform === 'linux'

/** Start times (ms since epoch) derived from two readings differ by clock jitter; beyond this it is another process. */
const SAME_START_TOLERANCE_MS = 1000

interface ProcessState {
  readonly startMs: number
  ctime: number
  atMs: number
  pass: number
}

interface TargetState {
  readonly pid: number
  readonly startMs: number
  readonly processes: Map<number, ProcessState>
}

/**
 * The portable fallback sampler on `pidusage`: cpu and memory (RSS) only. `memoryVms`, `threads`,
 * io and openFiles are null (unknown: pidusage does not report them, never a fake 0). CPU % is computed here from
 * pidusage's cumulative `ctime` per process identity (pid + start time), so the first sample is
 * null and pidusage's own 60 s history expiry never turns a 60 s interval into a lifetime average.
 */
/** What one sampling pass knows, shared by the outcome of each of its targets. */
interface PassContext {
  /** pidusage's answer for every pid of the pass. */
  readonly usages: ReadonlyMap<number, Usage>
  /** Monotonic ms of the pass, for cpu deltas. */
  readonly atMs: number
  /** Wall-clock ms the points carry. */
  readonly timestamp: number
  /** Number of the pass. */
  readonly pass: number
  readonly includeChildren: boolean
}

export class PidusageSampler implements Sampler {
  readonly backend = 'pidusage' as const
  readonly #targets = new Map<string, TargetState>()
  #pass = 0
  /** Passes share per-process state, so they never interleave. */
  readonly #serialPass = serialize((targets: readonly SampleTarget[], options: SampleOptions) =>
    this.#runPass(targets, options),
  )

  sampleAll(targets: readonly SampleTarget[], options: SampleOptions): Promise<Map<string, SampleOutcome>> {
    return this.#serialPass(targets, options)
  }

  async #runPass(
    targets: readonly SampleTarget[],
    options: SampleOptions,
  ): Promise<Map<string, SampleOutcome>> {
    const timestamp = options.now ?? Date.now()
    const pass = ++this.#pass
    const out = new Map<string, SampleOutcome>()
    const trees = new Map<string, number[]>()
    const all = new Set<number>()
    for (const target of targets) {
      const cause = invalidPidError(target)
      if (cause !== undefined) {
        out.set(target.id, {
          kind: 'error',
          error: new SampleError({ agentId: target.id, pid: target.pid, cause }),
        })
        continue
      }
      const pids = options.includeChildren ? [target.pid, ...(await descendants(target.pid))] : [target.pid]
      trees.set(target.id, pids)
      for (const pid of pids) all.add(pid)
    }
    let usages: Map<number, Usage>
    try {
      usages = await readUsages([...all])
    } catch (error) {
      for (const target of targets) {
        if (!out.has(target.id)) {
          out.set(target.id, {
            kind: 'error',
            error: new SampleError({ agentId: target.id, pid: target.pid, cause: error }),
          })
        }
      }
      return out
    }
    const atMs = monotonicMs()
    const context: PassContext = { usages, atMs, timestamp, pass, includeChildren: options.includeChildren }
    for (const target of targets) {
      const pids = trees.get(target.id)
      if (pids === undefined) continue
      out.set(target.id, this.#outcome(target, pids, context))
    }
    return out
  }

  prune(keepIds: ReadonlySet<string>): void {
    for (const id of this.#targets.keys()) if (!keepIds.has(id)) this.#targets.delete(id)
  }

  close(): void {
    this.#targets.clear()
    // Closes the stat fds pidusage keeps per pid (its history is module-global).
    pidusage.clear()
  }

  #outcome(
    target: SampleTarget,
    pids: readonly number[],
    { usages, atMs, timestamp, pass, includeChildren }: PassContext,
  ): SampleOutcome {
    const rootUsage = usages.get(target.pid)
    const known = this.#targets.get(target.id)
    // pidusage cannot tell a zombie or a reused pid; where /proc exists and the target names its
    // identity, core's readStat settles it.
    const identity = target.startTicks == null || !hasProcfs ? undefined : readStat(target.pid)
    const wrongIdentity =
      identity !== undefined
        ? identity.startTicks !== target.startTicks || isExited(identity)
        : target.startTicks != null && hasProcfs
    if (rootUsage === undefined || wrongIdentity) {
      this.#targets.delete(target.id)
      return { kind: 'gone' }
    }
    const rootStart = rootUsage.timestamp - rootUsage.elapsed
    let state = known
    if (
      state !== undefined &&
      (state.pid !== target.pid || Math.abs(state.startMs - rootStart) > SAME_START_TOLERANCE_MS)
    ) {
      // Same id, other process: a pid reused by another process is gone; a new pid starts over.
      this.#targets.delete(target.id)
      if (state.pid === target.pid) return { kind: 'gone' }
      state = undefined
    }
    if (state === undefined) {
      state = { pid: target.pid, startMs: rootStart, processes: new Map() }
      this.#targets.set(target.id, state)
    }
    let memory = 0
    let cpu: number | null = state.processes.has(target.pid) ? 0 : null
    let processes = 0
    for (const pid of pids) {
      const usage = usages.get(pid)
      if (usage === undefined) continue
      processes++
      memory += usage.memory
      const start = usage.timestamp - usage.elapsed
      const prev = state.processes.get(pid)
      if (prev !== undefined && Math.abs(prev.startMs - start) <= SAME_START_TOLERANCE_MS) {
        const dMs = atMs - prev.atMs
        if (cpu !== null && dMs > 0) cpu += Math.max(0, ((usage.ctime - prev.ctime) / dMs) * 100)
        prev.ctime = usage.ctime
        prev.atMs = atMs
        prev.pass = pass
      } else {
        state.processes.set(pid, { startMs: start, ctime: usage.ctime, atMs, pass })
      }
    }
    for (const [pid, proc] of state.processes) if (proc.pass !== pass) state.processes.delete(pid)
    const point: ResourceDataPoint = {
      timestamp,
      cpuPercent: cpu,
      memoryRss: memory,
      memoryVms: null,
      diskReadBytes: null,
      diskWriteBytes: null,
      openFiles: null,
      threads: null,
      ...(includeChildren ? { processes } : {}),
    }
    return { kind: 'ok', point, startTicks: identity?.startTicks ?? target.startTicks ?? null }
  }
}

/** pidusage over many pids; a pid that does not exist is simply missing from the map. */
async function readUsages(pids: readonly number[]): Promise<Map<number, Usage>> {
  const out = new Map<number, Usage>()
  if (pids.length === 0) return out
  let result: Record<string, Usage | undefined>
  try {
    // With one pid pidusage rejects on a missing process; with several it leaves it undefined.
    result = pids.length === 1 ? { [pids[0]!]: await pidusage(pids[0]!) } : await pidusage([...pids])
  } catch (error) {
    if (pids.length === 1 && isMissingPid(error)) return out
    throw error
  }
  for (const pid of pids) {
    const usage = result[pid]
    if (usage !== undefined && usage !== null) out.set(pid, usage)
  }
  return out
}

function isMissingPid(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const code = (error as NodeJS.ErrnoException).code
  return code === 'ENOENT' || code === 'ESRCH' || /No matching pid/i.test(error.message)
}
