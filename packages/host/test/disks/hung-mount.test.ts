import { readFile, statfs } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { DisksCollector } from '../../src/collectors/disks.js'
import { HungMount, hungMountUnavailable } from '../helpers/hung-mount.js'
import { childrenOf, exists, threadStates, until, untilResult } from '../helpers/processes.js'
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
    `times it out, never asks it again while the call hangs, and keeps the libuv pool free (${why ?? 'FUSE available'})`,
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
        // The call really hangs, in the helper that made it.
        const [stuck] = await until(() => (mount.callers().length > 0 ? mount.callers() : undefined))
        expect(threadStates(stuck!)).toContain('D')
        expect(disks.helperPid).toBeUndefined() // retired, not reused

        // The daemon's libuv pool is free: no thread of ours is stuck in the kernel, and 8 concurrent pool calls complete.
        expect(threadStates('self')).not.toContain('D')
        await within(
          Promise.all([
            ...Array.from({ length: 4 }, () => readFile('/proc/self/status')),
            ...Array.from({ length: 4 }, () => statfs('/')),
          ]),
          10_000,
          '8 fs calls on the libuv thread pool',
        )

        // Later collects answer the other mounts through a new helper and do not ask the hung one again.
        for (let i = 0; i < 3; i++) {
          const next = await disks.collect()
          expect(next.mounts[0]!.error).toBeNull()
          expect(next.mounts[1]).toMatchObject({ error: 'timeout', hungSince })
        }
        expect(mount.callers()).toEqual([stuck])
        expect(disks.helperPid).not.toBe(stuck)
        expect(threadStates(stuck!)).toContain('D')

        // Once the hung call returns (the server dies: the connection aborts), its helper exits and the mount is asked again.
        await mount.unmount()
        await until(() => !exists(stuck!), 10_000, 'the retired helper to exit')
        const after = await untilResult(
          () => disks.collect(),
          (d) => d.mounts[1]!.error !== 'timeout',
          10_000,
          'the mount to be asked again',
        )
        expect(after.mounts[1]).toMatchObject({ error: null, hungSince: null })
        expect(mount.callers()).toEqual([stuck])
      } finally {
        await disks.close()
      }
      expect(childrenOf()).toEqual(children)
    },
  )
})
