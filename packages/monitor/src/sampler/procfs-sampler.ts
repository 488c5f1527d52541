import { setImmediate as yieldToLoop } from 'node:timers/promises'
import type { ResourceDataPoint } from '@warden/store'
import {
  cgroupControllers,
  cgroupCpuUsageUsec,
  cgroupIoBytes,
  cgroupNumber,
  cgroupOomKills,
  cgroupPressureTotalUsec,
  cgroupProcs,
  descendantsSync,
  describe,
  errnoCode,
  serialize,
} from '@warden/utils'
import { InvalidOptionError, SampleError } from '../errors.js'
import { ProcessFiles, type ProcessReading, readProcess } from '../procfs/process-files.js'
import { isExited } from '../procfs/stat.js'
import { clockTicksPerSecond, monotonicMs, openFilesSoftLimit } from '../procfs/system.js'
import { invalidPidError } from './target-pid.js'
import type { SampleOptions, SampleOutcome, Sampler, SampleTarget } from './types.js'

export interface ProcfsSamplerOptions {
  /**
   * Keep `/proc/<pid>/{stat,statm,io,fd}` open between samples (4 fds per sampled process) and
   * re-read them with positioned reads. Beyond `maxCachedFds`, or when the process is out of fds,
   * processes are read by path.
   * @default true
   */
  readonly keepFdsOpen?: boolean
  /**
   * Read memory (and threads) from `/proc/<pid>/status` instead of `statm`. Both give the exact
   * RSS (stat's rss field is a per-cpu estimate on Linux ≥ 6.2), but status costs ~4 µs per
   * process to print against ~0.8 µs for statm, for the same numbers in the point.
   * @default false
   */
  readonly readStatus?: boolean
  /**
   * Most fds kept open at once (4 per process); processes beyond it are read by path, so a
   * monitor never starves its host process of descriptors.
   * @default half the soft RLIMIT_NOFILE (from /proc/self/limits), 4096 if unknown
   */
  readonly maxCachedFds?: number
  /**
   * Longest synchronous stretch of a pass, in ms, before it yields to the event loop.
   * @default 3
   */
  readonly sliceMs?: number
}

/** What is remembered of one process between two samples. */
interface ProcessState {
  readonly startTicks: number
  /** null: read by path each time (keepFdsOpen off, or the fd limit was hit). */
  files: ProcessFiles | null
  cpuTicks: number
  atMs: number
  /** The pass that last saw it: children not seen in the current pass have exited. */
  pass: number
}

/** The cumulative counters of a cgroup at its previous sample (cpu and PSI stall time, µs). */
interface CgroupState {
  readonly path: string
  /** The controllers its parent passes down (`cgroup.controllers`, read once per cgroup): files of the others do not exist. */
  readonly controllers: ReadonlySet<string>
  readonly atMs: number
  readonly usageUsec: number | undefined
  readonly cpuStallUsec: number | undefined
  readonly memoryStallUsec: number | undefined
  readonly ioStallUsec: number | undefined
}

/** One target: the identity it is pinned to and the state of every process of its tree. */
interface TargetState {
  readonly pid: number
  readonly startTicks: number
  readonly processes: Map<number, ProcessState>
  cgroup: CgroupState | undefined
}

/** % of `dMs` that a cumulative µs counter grew by; null without two readings or a time step. */
function shareOf(now: number | undefined, before: number | undefined, dMs: number): number | null {
  if (now === undefined || before === undefined || now < before || dMs <= 0) return null
  return ((now - before) / 1000 / dMs) * 100
}

type Reading = { readonly reading: ProcessReading; readonly files: ProcessFiles | null }

function defaultMaxCachedFds(): number {
  const limit = openFilesSoftLimit()
  return limit === undefined ? 4096 : Math.floor(Math.min(limit, 1 << 30) / 2)
}

/** Percent of one core between two cumulative tick counts `dMs` apart. */
function cpuPercentOf(dTicks: number, dMs: number): number | null {
  if (dMs <= 0 || dTicks < 0) return null
  return (dTicks / clockTicksPerSecond() / (dMs / 1000)) * 100
}

/**
 * Samples from /proc (Linux): stat, statm (or status), io and the fd count of each target,
 * optionally summed over its process tree. CPU % is per process identity (pid + start ticks); a
 * process's first sample has `cpuPercent: null`. Concurrent `sampleAll` calls run one after another.
 */
export class ProcfsSampler implements Sampler {
  readonly backend = 'procfs' as const
  readonly #keepFdsOpen: boolean
  readonly #readStatus: boolean
  readonly #maxCachedFds: number
  #cachedFds = 0
  readonly #sliceMs: number
  readonly #targets = new Map<string, TargetState>()
  #pass = 0
  #sliceStart = 0
  /** Passes share per-process state, so they never interleave. */
  readonly #serialPass = serialize((targets: readonly SampleTarget[], options: SampleOptions) =>
    this.#runPass(targets, options),
  )

  constructor(options: ProcfsSamplerOptions = {}) {
    const {
      keepFdsOpen = true,
      readStatus = false,
      sliceMs = 3,
      maxCachedFds = defaultMaxCachedFds(),
    } = options
    for (const [option, value] of [
      ['keepFdsOpen', keepFdsOpen],
      ['readStatus', readStatus],
    ] as const) {
      if (typeof value !== 'boolean') {
        throw new InvalidOptionError({
          option,
          value,
          message: `Expected \`${option}\` to be a boolean, got ${describe(value)}`,
        })
      }
    }
    if (typeof sliceMs !== 'number' || !Number.isFinite(sliceMs) || sliceMs <= 0) {
      throw new InvalidOptionError({
        option: 'sliceMs',
        value: sliceMs,
        message: `Expected \`sliceMs\` to be a positive number, got ${describe(sliceMs)}`,
      })
    }
    if (!Number.isSafeInteger(maxCachedFds) || maxCachedFds < 0) {
      throw new InvalidOptionError({
        option: 'maxCachedFds',
        value: maxCachedFds,
        message: `Expected \`maxCachedFds\` to be a non-negative integer, got ${describe(maxCachedFds)}`,
      })
    }
    this.#maxCachedFds = maxCachedFds
    this.#keepFdsOpen = keepFdsOpen
    this.#readStatus = readStatus
    this.#sliceMs = sliceMs
  }

  sampleAll(targets: readonly SampleTarget[], options: SampleOptions): Promise<Map<string, SampleOutcome>> {
    return this.#serialPass(targets, options)
  }

  async #runPass(
    targets: readonly SampleTarget[],
    options: SampleOptions,
  ): Promise<Map<string, SampleOutcome>> {
    const out = new Map<string, SampleOutcome>()
    const timestamp = options.now ?? Date.now()
    const pass = ++this.#pass
    this.#sliceStart = monotonicMs()
    // Indexed: a for-of with an await inside would allocate an iterator result per target.
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i]!
      let outcome: SampleOutcome
      try {
        outcome =
          typeof target.cgroup === 'string'
            ? await this.#sampleCgroup(target, target.cgroup, timestamp, pass)
            : options.includeChildren
              ? await this.#sampleTree(target, timestamp, pass)
              : this.#sampleOne(target, timestamp, pass)
      } catch (error) {
        outcome = {
          kind: 'error',
          error: new SampleError({ agentId: target.id, pid: target.pid, cause: error }),
        }
      }
      out.set(target.id, outcome)
      if (this.#due()) await this.#yield()
    }
    return out
  }

  prune(keepIds: ReadonlySet<string>): void {
    for (const [id, state] of this.#targets) {
      if (!keepIds.has(id)) this.#evict(id, state)
    }
  }

  /** Closes every cached fd and forgets all state; a later pass starts afresh (cpu null again). */
  close(): void {
    for (const [id, state] of this.#targets) this.#evict(id, state)
  }

  /** How many fds this sampler holds open right now. */
  get cachedFds(): number {
    return this.#cachedFds
  }

  /** How many processes have cached state (and up to 4 open fds each); for leak checks. */
  get trackedProcesses(): number {
    let n = 0
    for (const state of this.#targets.values()) n += state.processes.size
    return n
  }

  #due(): boolean {
    return monotonicMs() - this.#sliceStart >= this.#sliceMs
  }

  async #yield(): Promise<void> {
    await yieldToLoop()
    this.#sliceStart = monotonicMs()
  }

  #sampleOne(target: SampleTarget, timestamp: number, pass: number): SampleOutcome {
    const root = this.#readRoot(target, pass)
    if (root === undefined) return { kind: 'gone' }
    // Sampled with includeChildren before: the children's state is not needed any more.
    if (root.state.processes.size > 1) this.#dropUnseen(root.state, pass)
    const { reading, cpu } = root
    const { io } = reading
    const point: ResourceDataPoint = {
      timestamp,
      cpuPercent: cpu,
      memoryRss: reading.rssBytes,
      memoryVms: reading.vmsBytes,
      diskReadBytes: io === null ? null : io.readBytes,
      diskWriteBytes: io === null ? null : io.writeBytes,
      openFiles: reading.openFiles,
      threads: reading.threads,
    }
    return { kind: 'ok', point, startTicks: reading.stat.startTicks }
  }

  async #sampleTree(target: SampleTarget, timestamp: number, pass: number): Promise<SampleOutcome> {
    const root = this.#readRoot(target, pass)
    if (root === undefined) return { kind: 'gone' }
    const { state } = root
    let { rssBytes: rss, vmsBytes: vms, threads } = root.reading
    let readBytes: number | null = root.reading.io?.readBytes ?? null
    let writeBytes: number | null = root.reading.io?.writeBytes ?? null
    let openFiles = root.reading.openFiles
    let cpu = root.cpu
    let processes = 1
    for (const pid of descendantsSync(target.pid)) {
      if (this.#due()) await this.#yield()
      const child = this.#readChild(state, pid, pass)
      // Exited between listing and reading: not part of this sample.
      if (child === undefined) continue
      processes++
      const { io } = child.reading
      rss += child.reading.rssBytes
      vms += child.reading.vmsBytes
      threads += child.reading.threads
      // One unreadable process makes the tree's total unknown: a partial sum would look real.
      readBytes = readBytes === null || io === null ? null : readBytes + io.readBytes
      writeBytes = writeBytes === null || io === null ? null : writeBytes + io.writeBytes
      openFiles =
        openFiles === null || child.reading.openFiles === null ? null : openFiles + child.reading.openFiles
      // A child seen for the first time adds nothing; cpu stays null on the root's first sample.
      if (cpu !== null && child.cpu !== null) cpu += child.cpu
    }
    this.#dropUnseen(state, pass)
    const point: ResourceDataPoint = {
      timestamp,
      cpuPercent: cpu,
      memoryRss: rss,
      memoryVms: vms,
      diskReadBytes: readBytes,
      diskWriteBytes: writeBytes,
      openFiles,
      threads,
      processes,
    }
    return { kind: 'ok', point, startTicks: root.reading.stat.startTicks }
  }

  /**
   * An agent in its own cgroup: the cgroup's totals (cpu.stat usage with its reaped children,
   * io.stat, memory.*, PSI) and, per member of cgroup.procs, what only /proc has (RSS, threads,
   * open files; disk bytes without the io controller). Gone when the agent's main process is.
   */
  async #sampleCgroup(
    target: SampleTarget,
    dir: string,
    timestamp: number,
    pass: number,
  ): Promise<SampleOutcome> {
    const root = this.#readRoot(target, pass)
    if (root === undefined) return { kind: 'gone' }
    const { state } = root
    const atMs = monotonicMs()
    // Another cgroup than last time (a new one for a new process): its counters start over.
    const before = state.cgroup?.path === dir ? state.cgroup : undefined
    // Fixed for a cgroup's life: reading it once saves the failing opens of absent controllers' files.
    const controllers = before?.controllers ?? cgroupControllers(dir)
    const now: CgroupState = {
      path: dir,
      controllers,
      atMs,
      usageUsec: cgroupCpuUsageUsec(dir),
      cpuStallUsec: cgroupPressureTotalUsec(dir, 'cpu'),
      memoryStallUsec: cgroupPressureTotalUsec(dir, 'memory'),
      ioStallUsec: cgroupPressureTotalUsec(dir, 'io'),
    }
    state.cgroup = now
    const dMs = before === undefined ? 0 : atMs - before.atMs
    let { rssBytes: rss, vmsBytes: vms, threads } = root.reading
    let readBytes: number | null = root.reading.io?.readBytes ?? null
    let writeBytes: number | null = root.reading.io?.writeBytes ?? null
    let openFiles = root.reading.openFiles
    let processes = 1
    for (const pid of cgroupProcs(dir)) {
      if (pid === target.pid) continue
      if (this.#due()) await this.#yield()
      const member = this.#readChild(state, pid, pass)
      if (member === undefined) continue
      processes++
      const { io } = member.reading
      rss += member.reading.rssBytes
      vms += member.reading.vmsBytes
      threads += member.reading.threads
      readBytes = readBytes === null || io === null ? null : readBytes + io.readBytes
      writeBytes = writeBytes === null || io === null ? null : writeBytes + io.writeBytes
      openFiles =
        openFiles === null || member.reading.openFiles === null ? null : openFiles + member.reading.openFiles
    }
    this.#dropUnseen(state, pass)
    // With the io controller, the cgroup's bytes: they keep what exited members read and wrote.
    const io = controllers.has('io') ? cgroupIoBytes(dir) : undefined
    const memory = controllers.has('memory')
    const point: ResourceDataPoint = {
      timestamp,
      cpuPercent: shareOf(now.usageUsec, before?.usageUsec, dMs),
      memoryRss: rss,
      memoryVms: vms,
      diskReadBytes: io?.readBytes ?? readBytes,
      diskWriteBytes: io?.writeBytes ?? writeBytes,
      openFiles,
      threads,
      processes,
      cpuSeconds: now.usageUsec === undefined ? null : now.usageUsec / 1e6,
      memoryCurrent: memory ? (cgroupNumber(dir, 'memory.current') ?? null) : null,
      memoryPeak: memory ? (cgroupNumber(dir, 'memory.peak') ?? null) : null,
      oomKills: memory ? (cgroupOomKills(dir) ?? null) : null,
      cpuPressure: shareOf(now.cpuStallUsec, before?.cpuStallUsec, dMs),
      memoryPressure: shareOf(now.memoryStallUsec, before?.memoryStallUsec, dMs),
      ioPressure: shareOf(now.ioStallUsec, before?.ioStallUsec, dMs),
    }
    return { kind: 'ok', point, startTicks: root.reading.stat.startTicks }
  }

  /**
   * Reads the root of a target. On first sight the target is pinned to the process found (to
   * `startTicks` when given; without it, to the first process seen at the pid, so a later holder
   * of that pid is reported gone too) and cpu is null. undefined when gone: exited, a zombie, or
   * another identity; the target's state is then evicted.
   */
  #readRoot(
    target: SampleTarget,
    pass: number,
  ):
    | { readonly state: TargetState; readonly reading: ProcessReading; readonly cpu: number | null }
    | undefined {
    const invalidPid = invalidPidError(target)
    if (invalidPid !== undefined) throw invalidPid
    const wanted = target.startTicks ?? undefined
    const known = this.#targets.get(target.id)
    if (
      known !== undefined &&
      known.pid === target.pid &&
      (wanted === undefined || wanted === known.startTicks)
    ) {
      const proc = known.processes.get(known.pid)
      const result = proc === undefined ? undefined : this.#advance(proc, known.pid, pass)
      if (
        result === undefined ||
        result.reading.stat.startTicks !== known.startTicks ||
        isExited(result.reading.stat)
      ) {
        this.#evict(target.id, known)
        return undefined
      }
      return { state: known, reading: result.reading, cpu: result.cpu }
    }
    // New target, another pid (restarted agent) or new start ticks from the registry: start over.
    if (known !== undefined) this.#evict(target.id, known)
    const first = this.#open(target.pid)
    if (first === undefined) return undefined
    const { stat } = first.reading
    if (isExited(stat) || (wanted !== undefined && stat.startTicks !== wanted)) {
      this.#release(first.files)
      return undefined
    }
    const state: TargetState = {
      pid: target.pid,
      startTicks: stat.startTicks,
      processes: new Map(),
      cgroup: undefined,
    }
    state.processes.set(target.pid, {
      startTicks: stat.startTicks,
      files: first.files,
      cpuTicks: stat.utime + stat.stime,
      atMs: first.reading.atMs,
      pass,
    })
    this.#targets.set(target.id, state)
    return { state, reading: first.reading, cpu: null }
  }

  /** Reads a child of a tree; a pid that now holds another process starts over as a new process. */
  #readChild(
    state: TargetState,
    pid: number,
    pass: number,
  ): { readonly reading: ProcessReading; readonly cpu: number | null } | undefined {
    const proc = state.processes.get(pid)
    if (proc !== undefined) {
      const result = this.#advance(proc, pid, pass)
      if (
        result !== undefined &&
        result.reading.stat.startTicks === proc.startTicks &&
        !isExited(result.reading.stat)
      ) {
        return result
      }
      // Gone, a zombie, or the pid holds another process now: drop the old state and its fds.
      this.#release(proc.files)
      state.processes.delete(pid)
      if (result !== undefined && isExited(result.reading.stat)) return undefined
    }
    const first = this.#open(pid)
    if (first === undefined) return undefined
    const { stat } = first.reading
    if (isExited(stat)) {
      this.#release(first.files)
      return undefined
    }
    state.processes.set(pid, {
      startTicks: stat.startTicks,
      files: first.files,
      cpuTicks: stat.utime + stat.stime,
      atMs: first.reading.atMs,
      pass,
    })
    return { reading: first.reading, cpu: null }
  }

  /** A new reading of a known process and its cpu % since the previous one; undefined when gone. */
  #advance(
    proc: ProcessState,
    pid: number,
    pass: number,
  ): { readonly reading: ProcessReading; readonly cpu: number | null } | undefined {
    const reading =
      proc.files === null ? readProcess(pid, this.#readStatus ? 'status' : 'statm') : proc.files.read()
    if (reading === undefined) return undefined
    const ticks = reading.stat.utime + reading.stat.stime
    // Only the same identity has comparable cpu times (the caller checks and discards otherwise).
    const cpu =
      reading.stat.startTicks === proc.startTicks && proc.pass !== pass
        ? cpuPercentOf(ticks - proc.cpuTicks, reading.atMs - proc.atMs)
        : null
    proc.cpuTicks = ticks
    proc.atMs = reading.atMs
    proc.pass = pass
    return { reading, cpu }
  }

  /**
   * First reading of a process: through newly opened fds while the fd budget allows, else (or
   * when the process is out of fds) by path — slower, nothing lost.
   */
  #open(pid: number): Reading | undefined {
    const memoryFile = this.#readStatus ? 'status' : 'statm'
    if (this.#keepFdsOpen && this.#cachedFds + ProcessFiles.MAX_FDS <= this.#maxCachedFds) {
      try {
        const opened = ProcessFiles.open(pid, memoryFile)
        if (opened === undefined) return undefined
        this.#cachedFds += opened.files.fdCount
        return { reading: opened.reading, files: opened.files }
      } catch (error) {
        const code = errnoCode(error)
        if (code !== 'EMFILE' && code !== 'ENFILE') throw error
      }
    }
    const reading = readProcess(pid, memoryFile)
    return reading === undefined ? undefined : { reading, files: null }
  }

  /** Drops the state and fds of the processes of a tree not seen in this pass (they exited). */
  #dropUnseen(state: TargetState, pass: number): void {
    for (const [pid, proc] of state.processes) {
      if (proc.pass !== pass) {
        this.#release(proc.files)
        state.processes.delete(pid)
      }
    }
  }

  #release(files: ProcessFiles | null): void {
    if (files === null) return
    files.close()
    this.#cachedFds -= files.fdCount
  }

  #evict(id: string, state: TargetState): void {
    for (const proc of state.processes.values()) this.#release(proc.files)
    state.processes.clear()
    if (this.#targets.get(id) === state) this.#targets.delete(id)
  }
}
