import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  cgroupControllers,
  cgroupOomKills,
  cgroupPopulated,
  cgroupProcs,
  errnoCode,
  keyedValue,
  readCgroupFile,
  readStat,
} from '@warden/utils'
import { CgroupError } from '../errors.js'
import type { CgroupLimits } from '../options.js'
import type { CgroupParent } from './parent.js'

/** The cpu.max period: quota = cpuMax × 100 ms. */
const CPU_PERIOD_US = 100_000

export interface CgroupStopOptions {
  readonly signal: NodeJS.Signals
  /** Grace before `cgroup.kill`. */
  readonly timeoutMs: number
  /** How long to wait for `populated 0` after the kill before reporting survivors. */
  readonly killTimeoutMs: number
}

export interface CgroupStopResult {
  /** Processes signalled (the first signal and newcomers). */
  readonly processes: number
  /** Whether `cgroup.kill` (or freeze + SIGKILL) was needed. */
  readonly killed: boolean
  /** Pids still in the cgroup at the end; empty once `populated 0`. */
  readonly survivors: readonly number[]
}

function send(pid: number, signal: NodeJS.Signals): void {
  // Never the supervisor itself, whatever a cgroup lists.
  if (pid === process.pid) return
  try {
    process.kill(pid, signal)
  } catch {
    // ESRCH: gone meanwhile.
  }
}

/**
 * One agent's cgroup (`<parent>/agent-<id>`): made before its process runs, the process placed in
 * it before it can fork (see spawn.ts), stopped as a whole, removed once empty.
 */
export class AgentCgroup {
  readonly id: string
  readonly path: string
  /** `oom_kill` of memory.events when the current process was placed (null: no memory controller). */
  #oomBase: number | null = null

  constructor(id: string, path: string) {
    this.id = id
    this.path = path
  }

  /**
   * Makes (or reuses, when empty) the agent's cgroup and writes its limits. Throws CgroupError:
   * `unavailable` (no usable parent), `busy` (it holds processes we do not know),
   * `controller-unavailable` (a limit's controller is not passed down), `io`.
   */
  static create(id: string, parent: CgroupParent, limits: CgroupLimits): AgentCgroup {
    parent.ensure(id)
    const path = parent.agentPath(id)!
    const fail = (
      reason: 'busy' | 'io' | 'controller-unavailable',
      message: string,
      cause?: unknown,
    ): never => {
      throw new CgroupError({ id, reason, message, path, cause })
    }
    let made = false
    try {
      mkdirSync(path)
      made = true
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST')
        fail('io', `cannot create its cgroup ${path}: ${errnoCode(error) ?? error}`, error)
      if (cgroupPopulated(path))
        fail('busy', `its cgroup ${path} already holds processes Warden does not know`)
    }
    const cgroup = new AgentCgroup(id, path)
    try {
      cgroup.#applyLimits(limits)
    } catch (error) {
      if (made) cgroup.remove()
      throw error
    }
    return cgroup
  }

  #applyLimits(limits: CgroupLimits): void {
    const wanted: Array<[controller: string, file: string, value: string]> = []
    if (limits.memoryMax !== undefined) wanted.push(['memory', 'memory.max', String(limits.memoryMax)])
    if (limits.cpuMax !== undefined) {
      wanted.push([
        'cpu',
        'cpu.max',
        `${Math.max(1000, Math.round(limits.cpuMax * CPU_PERIOD_US))} ${CPU_PERIOD_US}`,
      ])
    }
    if (limits.pidsMax !== undefined) wanted.push(['pids', 'pids.max', String(limits.pidsMax)])
    if (wanted.length === 0) return
    const available = cgroupControllers(this.path)
    for (const [controller, file, value] of wanted) {
      if (!available.has(controller)) {
        throw new CgroupError({
          id: this.id,
          reason: 'controller-unavailable',
          message: `cannot set ${file}: the ${controller} controller is not enabled for ${this.path} (its parent's cgroup.subtree_control passes down: ${[...available].join(' ') || 'nothing'})`,
          path: this.path,
        })
      }
      try {
        writeFileSync(`${this.path}/${file}`, value)
      } catch (error) {
        throw new CgroupError({
          id: this.id,
          reason: 'io',
          message: `cannot write ${value} to ${this.path}/${file}: ${errnoCode(error) ?? error}`,
          path: this.path,
          cause: error,
        })
      }
    }
  }

  /** Moves `pid` into the cgroup (before it runs the agent's command). Throws CgroupError `io`. */
  place(pid: number): void {
    try {
      writeFileSync(`${this.path}/cgroup.procs`, String(pid))
    } catch (error) {
      throw new CgroupError({
        id: this.id,
        reason: 'io',
        message: `cannot move pid ${pid} into ${this.path}: ${errnoCode(error) ?? error}`,
        path: this.path,
        cause: error,
      })
    }
    this.#oomBase = cgroupOomKills(this.path) ?? null
  }

  members(): number[] {
    return cgroupProcs(this.path)
  }

  /** Whether a process is still in it; false once removed. */
  populated(): boolean {
    return cgroupPopulated(this.path) === true
  }

  /** Whether the OOM killer killed a process of it since the current process was placed (false: unknown). */
  oomKilledSincePlaced(): boolean {
    const now = cgroupOomKills(this.path)
    return now !== undefined && this.#oomBase !== null && now > this.#oomBase
  }

  /**
   * Stops every process in the cgroup: `signal` to each member (newcomers too), up to `timeoutMs`
   * for `populated 0`, then `cgroup.kill` (kernel ≥ 5.14; before it: freeze, SIGKILL each member,
   * thaw) and up to `killTimeoutMs` more. Ends only on `populated 0`, else reports the survivors.
   */
  async stop(opts: CgroupStopOptions): Promise<CgroupStopResult> {
    const signalled = new Set<string>()
    const signalNew = (signal: NodeJS.Signals): void => {
      for (const pid of this.members()) {
        // pid + start ticks: a member that exited and whose pid came back is signalled again.
        const key = `${pid}:${readStat(pid)?.startTicks ?? ''}`
        if (signalled.has(key)) continue
        signalled.add(key)
        send(pid, signal)
      }
    }
    const waitEmpty = async (deadline: number, onPoll: () => void): Promise<boolean> => {
      let pause = 2
      for (;;) {
        if (!this.populated()) return true
        if (Date.now() >= deadline) return false
        onPoll()
        await sleep(Math.min(pause, Math.max(1, deadline - Date.now())))
        pause = Math.min(pause * 2, 50)
      }
    }
    signalNew(opts.signal)
    if (await waitEmpty(Date.now() + opts.timeoutMs, () => signalNew(opts.signal))) {
      return { processes: signalled.size, killed: false, survivors: [] }
    }
    this.kill()
    const empty = await waitEmpty(Date.now() + opts.killTimeoutMs, () => this.kill())
    return { processes: signalled.size, killed: true, survivors: empty ? [] : this.members() }
  }

  /** SIGKILL to every process of the cgroup at once (cgroup.kill), or frozen one by one on older kernels. */
  kill(): void {
    try {
      writeFileSync(`${this.path}/cgroup.kill`, '1')
      return
    } catch (error) {
      // ENOENT: a kernel before 5.14. Anything else (the cgroup is gone): nothing to kill.
      if (errnoCode(error) !== 'ENOENT' || readCgroupFile(this.path, 'cgroup.procs') === undefined) return
    }
    // Frozen, a fork loop cannot add members while we go through the list.
    const frozen = this.#setFrozen(true)
    try {
      for (const pid of this.members()) send(pid, 'SIGKILL')
    } finally {
      if (frozen) this.#setFrozen(false)
    }
  }

  #setFrozen(on: boolean): boolean {
    try {
      writeFileSync(`${this.path}/cgroup.freeze`, on ? '1' : '0')
    } catch {
      return false
    }
    if (on) {
      // The freeze completes asynchronously: `frozen 1` in cgroup.events. Bounded busy-wait (µs to ms).
      const until = Date.now() + 100
      while (Date.now() < until) {
        const events = readCgroupFile(this.path, 'cgroup.events')
        if (events === undefined || keyedValue(events, 'frozen') === 1) break
      }
    }
    return true
  }

  /** Removes the cgroup directory; true when it is gone (false: still populated, or not ours to remove). */
  remove(): boolean {
    try {
      rmdirSync(this.path)
      return true
    } catch (error) {
      return errnoCode(error) === 'ENOENT'
    }
  }
}
