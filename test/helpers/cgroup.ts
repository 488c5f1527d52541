import { randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs'
import { cgroup2Mount, cgroupControllers, cgroupOf, cgroupPopulated, readCgroupFile } from '@warden/utils'
import { until } from './until.js'

/** The directory of this process's own cgroup v2, or undefined (none mounted, or not in one). */
function ownCgroupDir(): string | undefined {
  const mount = cgroup2Mount()
  const own = cgroupOf('self')
  if (mount === undefined || own === undefined) return undefined
  return own === '/' ? mount : `${mount}${own}`
}

/** Why a test cgroup cannot be made here, or undefined when it can (probed once: mkdir + rmdir). */
export const cgroupUnavailable: string | undefined = (() => {
  const own = ownCgroupDir()
  if (own === undefined) return 'no cgroup v2 hierarchy, or this process is in none'
  const probe = `${own}/warden-probe-${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    mkdirSync(probe)
    rmdirSync(probe)
    return undefined
  } catch (error) {
    return `cannot create a cgroup under ${own}: ${(error as NodeJS.ErrnoException).code ?? error}`
  }
})()

/** The controllers a test cgroup gets (this process's cgroup's `cgroup.subtree_control`). */
export const testControllers: ReadonlySet<string> = (() => {
  const own = ownCgroupDir()
  const text = own === undefined ? undefined : readCgroupFile(own, 'cgroup.subtree_control')
  return new Set((text ?? '').split(/\s+/).filter((c) => c !== ''))
})()

/** True when tests can make cgroups here (a writable cgroup v2 under this process's own). */
export const canMakeCgroup = cgroupUnavailable === undefined

/**
 * A fresh cgroup directory under this process's own cgroup, to be given as a Supervisor's
 * `cgroupParent` (never this process's own: the test worker is never moved). `remove()` kills what is
 * left in it and below (only there) and removes it.
 */
export function testCgroup(): { readonly path: string; remove(): Promise<void>; controllers(): Set<string> } {
  const path = `${ownCgroupDir()}/warden-test-${process.pid}-${randomBytes(4).toString('hex')}`
  mkdirSync(path)
  const removeTree = async (dir: string): Promise<void> => {
    let children: string[] = []
    try {
      children = readdirSync(dir).filter((n) => statSync(`${dir}/${n}`).isDirectory())
    } catch {
      return
    }
    for (const child of children) await removeTree(`${dir}/${child}`)
    if (cgroupPopulated(dir)) {
      writeFileSync(`${dir}/cgroup.kill`, '1')
      await until(() => cgroupPopulated(dir) !== true, 10_000, `${dir} to be empty`)
    }
    try {
      rmdirSync(dir)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }
  return { path, remove: () => removeTree(path), controllers: () => cgroupControllers(path) }
}
