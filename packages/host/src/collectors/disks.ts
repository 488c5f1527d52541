import { realMounts } from '../disks/real-filesystems.js'
import { HELPER_THREADS, HelperProcess, type StatfsReply } from '../helper/helper-process.js'
import { type MountEntry, mountOf, parseMountinfo } from '../procfs/mountinfo.js'
import { ProcFile } from '../procfs/proc-file.js'
import { EXIT_WAIT_MS, waitAtMost } from '../run/wait.js'
import type { Collector } from './types.js'

export interface DiskUsage {
  readonly mountPoint: string
  /** What is mounted (`/dev/vda1`, `server:/export`); null for a configured path found in no mount. */
  readonly device: string | null
  readonly fsType: string | null
  readonly readOnly: boolean | null
  /**
   * null when statfs answered. `'timeout'`: statfs did not answer within `statfsTimeoutMs` (a hung
   * mount: it is not asked again until that call returns). Else the errno code (`ENOENT`, `EACCES`).
   */
  readonly error: 'timeout' | string | null
  /** With `error: 'timeout'`: ms since epoch when the statfs call that hangs was made. */
  readonly hungSince: number | null
  /** Total size, bytes. */
  readonly sizeBytes: number | null
  /** Size − free, bytes. */
  readonly usedBytes: number | null
  /** Free space a non-root user may use, bytes (less than free by the reserved blocks). */
  readonly availableBytes: number | null
  /** used / (used + available) × 100, as `df` computes it. */
  readonly usedPercent: number | null
  readonly inodesTotal: number | null
  readonly inodesUsed: number | null
  readonly inodesFree: number | null
  /** null when the filesystem has no fixed inode count (btrfs reports 0). */
  readonly inodesUsedPercent: number | null
}

export interface DisksData {
  readonly mounts: readonly DiskUsage[]
}

export interface DisksCollectorOptions {
  /** Paths to report; default: every real filesystem of /proc/self/mountinfo, once each. */
  readonly mountPoints?: readonly string[] | undefined
  /** How long one statfs may take before its mount counts as hung, ms. */
  readonly statfsTimeoutMs: number
}

interface Hung {
  readonly since: number
  readonly helper: HelperProcess
}

const TIMED_OUT = Symbol('timeout')

/**
 * statfs of each mount, run in a helper process (never on the daemon's libuv pool: four hung
 * statfs calls there would freeze every fs call of the daemon). A mount whose statfs does not
 * answer in time is reported `error: 'timeout'` and not asked again until that call returns (its
 * late answer arrives). The hung call holds one of the helper's threads; once half of them are
 * held, the helper is retired (SIGKILLed, let go of) and a new one started: its hung mounts are
 * asked again when it has exited.
 */
export class DisksCollector implements Collector<DisksData> {
  readonly name = 'disks'
  readonly #options: DisksCollectorOptions
  readonly #mountinfo = new ProcFile('/proc/self/mountinfo', 16 * 1024)
  readonly #hung = new Map<string, Hung>()
  #helper: HelperProcess | undefined

  constructor(options: DisksCollectorOptions) {
    this.#options = options
  }

  /** The helper's pid (for tests and leak checks); undefined before the first collect or after close. */
  get helperPid(): number | undefined {
    return this.#helper?.pid
  }

  async collect(): Promise<DisksData> {
    const entries = parseMountinfo(this.#mountinfo.read())
    const mounts: { path: string; entry: MountEntry | undefined }[] =
      this.#options.mountPoints === undefined
        ? realMounts(entries).map((entry) => ({ path: entry.mountPoint, entry }))
        : this.#options.mountPoints.map((path) => ({ path, entry: mountOf(entries, path) }))
    // A hung call that returns while this collect runs makes its mount asked next time, not half-way through.
    const hung = new Map(this.#hung)
    const asked = mounts.filter((m) => !hung.has(m.path))
    const replies =
      asked.length === 0 ? new Map<string, StatfsReply>() : await this.#statfs(asked.map((m) => m.path))
    return {
      mounts: mounts.map(({ path, entry }) =>
        usage(path, entry, replies.get(path), hung.get(path) ?? this.#hung.get(path)),
      ),
    }
  }

  /** Kills the helper and waits for it, unless a hung call holds it (it exits when that call returns). */
  async close(): Promise<void> {
    this.#mountinfo.close()
    const helper = this.#helper
    this.#helper = undefined
    if (helper === undefined) return
    helper.retire()
    if (![...this.#hung.values()].some((h) => h.helper === helper))
      await waitAtMost(helper.exited, EXIT_WAIT_MS)
  }

  async #statfs(paths: readonly string[]): Promise<Map<string, StatfsReply>> {
    const helper = this.#helper ?? this.#startHelper()
    try {
      await helper.ready
    } catch (error) {
      if (this.#helper === helper) this.#helper = undefined
      throw error
    }
    const issued = Date.now()
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), this.#options.statfsTimeoutMs)
    })
    const calls = paths.map((path) => helper.statfs(path))
    const answers = await Promise.all(calls.map((call) => Promise.race([call, deadline])))
    clearTimeout(timer)
    const replies = new Map<string, StatfsReply>()
    for (const [i, path] of paths.entries()) {
      const answer = answers[i]!
      if (answer !== TIMED_OUT) {
        replies.set(path, answer)
        continue
      }
      const hung: Hung = { since: issued, helper }
      this.#hung.set(path, hung)
      // The late answer means the call returned: ask again next time (unless the helper died meanwhile).
      void calls[i]!.then(() => {
        if (!helper.gone && this.#hung.get(path) === hung) this.#hung.delete(path)
      })
    }
    const held = [...this.#hung.values()].filter((h) => h.helper === helper).length
    if (held >= HELPER_THREADS / 2 && this.#helper === helper) {
      this.#helper = undefined
      helper.retire()
    }
    return replies
  }

  #startHelper(): HelperProcess {
    const helper = new HelperProcess()
    this.#helper = helper
    // When a helper has exited, none of its calls hangs any more.
    void helper.exited.then(() => {
      for (const [path, entry] of this.#hung) if (entry.helper === helper) this.#hung.delete(path)
    })
    return helper
  }
}

function usage(
  path: string,
  entry: MountEntry | undefined,
  reply: StatfsReply | undefined,
  hung: Hung | undefined,
): DiskUsage {
  const base = {
    mountPoint: path,
    device: entry?.source ?? null,
    fsType: entry?.fsType ?? null,
    readOnly: entry?.readOnly ?? null,
  }
  if (reply === undefined || reply.error !== undefined) {
    return {
      ...base,
      error: reply?.error ?? 'timeout',
      hungSince: reply === undefined ? (hung?.since ?? null) : null,
      sizeBytes: null,
      usedBytes: null,
      availableBytes: null,
      usedPercent: null,
      inodesTotal: null,
      inodesUsed: null,
      inodesFree: null,
      inodesUsedPercent: null,
    }
  }
  const used = (reply.blocks - reply.bfree) * reply.bsize
  const available = reply.bavail * reply.bsize
  const inodesUsed = reply.files - reply.ffree
  return {
    ...base,
    error: null,
    hungSince: null,
    sizeBytes: reply.blocks * reply.bsize,
    usedBytes: used,
    availableBytes: available,
    usedPercent: used + available === 0 ? 0 : (used / (used + available)) * 100,
    inodesTotal: reply.files,
    inodesUsed,
    inodesFree: reply.ffree,
    inodesUsedPercent: reply.files === 0 ? null : (inodesUsed / reply.files) * 100,
  }
}
