import { mkdirSync, rmdirSync, statfsSync, writeFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { cgroup2Mount, cgroupControllers, cgroupOf, errnoCode, readCgroupFile } from '@warden/utils'
import { CgroupError } from '../errors.js'

/** statfs f_type of a cgroup v2 filesystem (linux/magic.h). */
const CGROUP2_SUPER_MAGIC = 0x63677270
/** The controllers Warden passes down to its agents' cgroups when it may (limits and accounting). */
const WANTED_CONTROLLERS = ['cpu', 'memory', 'io', 'pids'] as const
/** The leaf the supervisor moves itself into when its parent is its own (non-root) cgroup. */
export const SUPERVISOR_LEAF = 'supervisor'

/** Whether `path` is on a cgroup v2 filesystem (never a v1 hierarchy, never anything else). */
function onCgroup2(path: string): boolean {
  try {
    return Number(statfsSync(path).type) === CGROUP2_SUPER_MAGIC
  } catch {
    return false
  }
}

/** The nearest existing ancestor of `path` (or itself). */
function existingAncestor(path: string): string {
  let p = path
  for (;;) {
    try {
      statfsSync(p)
      return p
    } catch {
      const up = dirname(p)
      if (up === p) return p
      p = up
    }
  }
}

/**
 * The cgroup v2 directory a supervisor creates its agents' cgroups (`agent-<id>`) in.
 *
 * - `'auto'` (default): the supervisor's own cgroup (the `0::` line of /proc/self/cgroup, under the
 *   cgroup2 mount found in /proc/self/mountinfo). In the root cgroup: its `warden` child (created;
 *   the root is exempt from the no-internal-processes rule, so the supervisor stays where it is).
 *   Elsewhere (a systemd unit with `Delegate=yes`): the own cgroup itself, after the supervisor
 *   moved itself (its own process only) into its `supervisor` leaf.
 * - a path: used as given (created if missing). When it is the supervisor's own cgroup, the
 *   supervisor moves itself into its `supervisor` leaf first, as above.
 * - `null`: no cgroups.
 *
 * Nothing is written until the first agent needs a cgroup, and never outside the cgroup v2
 * hierarchy: a path on a v1 hierarchy (or not on cgroupfs at all) is `unavailable`.
 * Controllers are enabled (`cgroup.subtree_control`) only in a parent Warden made or in its own,
 * delegated cgroup once it left it; a given parent passes down what its owner enabled.
 */
export class CgroupParent {
  /** The parent directory; undefined when cgroups are off or unavailable (`reason` says why). */
  readonly path: string | undefined
  readonly reason: string | undefined
  readonly #mount: string | undefined
  /** Move this process into `<path>/supervisor` before creating agents' cgroups. */
  readonly #selfMove: boolean
  /** Warden's to configure: made by Warden (`auto` in the root cgroup) or its own, delegated cgroup. */
  readonly #ours: boolean
  /** The `warden` child of the root cgroup (`auto`): Warden's whoever made it, removed when empty. */
  readonly #autoChild: boolean
  #ready = false
  #created = false

  constructor(option: string | null | undefined) {
    const mount = option === null ? undefined : cgroup2Mount()
    this.#mount = mount
    const own = mount === undefined ? undefined : cgroupOf('self')
    const ownDir =
      mount === undefined || own === undefined ? undefined : own === '/' ? mount : `${mount}${own}`
    let path: string | undefined
    let reason: string | undefined
    if (option === null) reason = 'cgroups are turned off (`cgroupParent: null`)'
    else if (mount === undefined) reason = 'no cgroup v2 hierarchy is mounted (none in /proc/self/mountinfo)'
    else if (option === undefined || option === 'auto') {
      if (ownDir === undefined)
        reason = 'the supervisor is in no cgroup v2 (no `0::` line in /proc/self/cgroup)'
      else path = own === '/' ? `${mount}/warden` : ownDir
    } else path = resolve(option)
    this.path = reason === undefined ? path : undefined
    this.reason = reason
    this.#selfMove = this.path !== undefined && this.path === ownDir && own !== '/'
    this.#ours = this.path !== undefined && (this.#selfMove || option === undefined || option === 'auto')
    this.#autoChild = this.#ours && !this.#selfMove
  }

  /** Whether agents may get a cgroup at all (the parent may still fail to be made: see ensure()). */
  get enabled(): boolean {
    return this.path !== undefined
  }

  /** The directory of agent `id`'s cgroup. */
  agentPath(id: string): string | undefined {
    return this.path === undefined ? undefined : `${this.path}/agent-${id}`
  }

  /** The agent cgroup path as /proc/<pid>/cgroup shows it (relative to the mount). */
  agentRelative(id: string): string | undefined {
    const p = this.agentPath(id)
    const mount = this.#mount
    if (p === undefined || mount === undefined || !p.startsWith(`${mount}/`)) return undefined
    return p.slice(mount.length)
  }

  /**
   * Makes the parent usable (once; again if it was removed): checks it is on cgroup v2, creates
   * it, moves the supervisor into its leaf when needed, enables controllers where it may.
   * Throws CgroupError `unavailable`.
   */
  ensure(id: string): string {
    const path = this.path
    const fail = (message: string, cause?: unknown): never => {
      throw new CgroupError({ id, reason: 'unavailable', message, path, cause })
    }
    if (path === undefined) return fail(this.reason ?? 'no cgroup parent')
    if (this.#ready && onCgroup2(path)) return path
    if (!isAbsolute(path)) fail(`the cgroup parent ${path} is not an absolute path`)
    const mount = this.#mount
    if (mount === undefined || !(path === mount || path.startsWith(`${mount}/`))) {
      fail(`the cgroup parent ${path} is not in the cgroup v2 hierarchy (${mount ?? 'none mounted'})`)
    }
    // A symlink or another mount on the way must not lead the mkdir into a v1 hierarchy.
    if (!onCgroup2(existingAncestor(path))) fail(`the cgroup parent ${path} is not on a cgroup v2 filesystem`)
    try {
      mkdirSync(path)
      this.#created = true
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST')
        fail(`cannot create the cgroup parent ${path}: ${errnoCode(error) ?? error}`, error)
    }
    if (!onCgroup2(path)) fail(`the cgroup parent ${path} is not on a cgroup v2 filesystem`)
    if (this.#selfMove) {
      const leaf = `${path}/${SUPERVISOR_LEAF}`
      try {
        mkdirSync(leaf)
      } catch (error) {
        if (errnoCode(error) !== 'EEXIST') fail(`cannot create ${leaf}: ${errnoCode(error) ?? error}`, error)
      }
      try {
        writeFileSync(`${leaf}/cgroup.procs`, String(process.pid))
      } catch (error) {
        fail(`cannot move the supervisor into ${leaf}: ${errnoCode(error) ?? error}`, error)
      }
    }
    if (this.#ours) this.#enableControllers(path)
    this.#ready = true
    return path
  }

  /** Passes down the wanted controllers the parent has (failures leave them off: limits then fail clearly). */
  #enableControllers(path: string): void {
    const available = cgroupControllers(path)
    const enabled = new Set((readCgroupFile(path, 'cgroup.subtree_control') ?? '').split(/\s+/))
    for (const c of WANTED_CONTROLLERS) {
      if (!available.has(c) || enabled.has(c)) continue
      try {
        writeFileSync(`${path}/cgroup.subtree_control`, `+${c}`)
      } catch {
        // Not delegated to us, or internal processes: the agents go without it.
      }
    }
  }

  /**
   * Removes the parent if it is empty and Warden's: made by this supervisor, or the `auto` `warden`
   * child of the root cgroup (an earlier supervisor that was killed may have made it).
   */
  close(): void {
    if (!(this.#created || this.#autoChild) || this.path === undefined) return
    try {
      rmdirSync(this.path)
      this.#created = false
      this.#ready = false
    } catch {
      // Still holds cgroups (another supervisor's, or survivors): left in place.
    }
  }
}
