import { readFile, statfs } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { DisksCollector } from '../../src/collectors/disks.js'
import { HungMount, hungMountUnavailable } from '../helpers/hung-mount.js'
import { childrenOf, threadStates, threadsWaitingOnFuse, until, untilResult } from '../helpers/processes.js'
import { TempDirs } from '../helpers/temp.js'

const temp = new TempDirs()
const mounts: HungMount[] = []
afterEach(async () => {
  for (const m of mounts.splice(0)) await m.unmount()
  temp.removeAll()
})

const why = hungMountUnavailable()

/** Rejects if `promise` has not settled after `ms`: a deadline for a failure message, not a timing assertion. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not complete within ${ms} ms`)), ms)
    }),
  ])
}

describe('a mount whose statfs hangs (real FUSE mount)', () => {
  it.skipIf(why !== undefined)(
    `times it out, never asks it again while the call hangs, and keeps the daemon's libuv pool free (${why ?? 'FUSE available'})`,
    async () => {
      const children = childrenOf()
      const mount = await HungMount.mount(temp.make())
      mounts.push(mount)
      const disks = new DisksCollector({ mountPoints: ['/', mount.dir], statfsTimeoutMs: 1500 })
      try {
        const first = await disks.collect()
        expect(first.mounts[0]).toMatchObject({ mountPoint: '/', error: null })
        expect(first.mounts[1]).toMatchObject({ mountPoint: mount.dir, error: 'timeout', sizeBytes: null })
        const hungSince = first.mounts[1]!.hungSince!
        expect(hungSince).toBeTypeOf('number')
        // The call really hangs, on a thread of the helper, which keeps serving.
        const helper = disks.helperPid!
        await until(() => mount.callers().includes(helper), 10_000, 'the hung call to reach the server')
        await until(
          () => threadsWaitingOnFuse(helper) === 1,
          10_000,
          'a helper thread blocked in the FUSE call',
        )

        // The daemon's libuv pool is free: no thread of ours is stuck in the kernel, and 8 concurrent pool calls complete.
        expect(threadsWaitingOnFuse('self')).toBe(0)
        expect(threadStates('self')).not.toContain('D')
        await within(
          Promise.all([
            ...Array.from({ length: 4 }, () => readFile('/proc/self/status')),
            ...Array.from({ length: 4 }, () => statfs('/')),
          ]),
          10_000,
          '8 fs calls on the libuv thread pool',
        )

        // Later collects answer the other mounts and do not ask the hung one again.
        for (let i = 0; i < 3; i++) {
          const next = await disks.collect()
          expect(next.mounts[0]!.error).toBeNull()
          expect(next.mounts[1]).toMatchObject({ error: 'timeout', hungSince })
        }
        expect(mount.callers()).toEqual([helper])
        expect(disks.helperPid).toBe(helper)
        expect(threadsWaitingOnFuse(helper)).toBe(1)

        // Once the hung call returns (the server dies: the connection aborts), the mount is asked again.
        await mount.unmount()
        const after = await untilResult(
          () => disks.collect(),
          (d) => d.mounts[1]!.error !== 'timeout',
          10_000,
          'the mount to be asked again',
        )
        expect(after.mounts[1]).toMatchObject({ error: null, hungSince: null })
        expect(mount.callers()).toEqual([helper])
      } finally {
        await disks.close()
      }
      expect(childrenOf()).toEqual(children)
    },
  )

  it.skipIf(why !== undefined)(
    `replaces the helper once half its threads are held by hung calls, and asks those mounts again when it has exited (${why ?? 'FUSE available'})`,
    async () => {
      const children = childrenOf()
      const mount = await HungMount.mount(temp.make())
      mounts.push(mount)
      // Four paths on the hung mount: four calls, each holding a helper thread.
      const hung = [mount.dir, `${mount.dir}/.`, `${mount.dir}/./.`, `${mount.dir}/././.`]
      const disks = new DisksCollector({ mountPoints: ['/', ...hung], statfsTimeoutMs: 1500 })
      try {
        const first = await disks.collect()
        expect(first.mounts.map((m) => m.error)).toEqual([null, 'timeout', 'timeout', 'timeout', 'timeout'])
        const retired = await until(() => mount.callers()[0])
        expect(disks.helperPid).toBeUndefined()
        const second = await disks.collect()
        expect(second.mounts.map((m) => m.error)).toEqual([null, 'timeout', 'timeout', 'timeout', 'timeout'])
        expect(disks.helperPid).not.toBe(retired)
        expect(new Set(mount.callers())).toEqual(new Set([retired]))
        await mount.unmount()
        const after = await untilResult(
          () => disks.collect(),
          (d) => d.mounts.every((m) => m.error !== 'timeout'),
          10_000,
          'the mounts to be asked again',
        )
        expect(after.mounts.map((m) => m.hungSince)).toEqual([null, null, null, null, null])
      } finally {
        await disks.close()
      }
      expect(childrenOf()).toEqual(children)
    },
  )
})
