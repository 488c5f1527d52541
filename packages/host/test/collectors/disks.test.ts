import { statfsSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { DisksCollector } from '../../src/collectors/disks.js'
import { childrenOf, openFds } from '../helpers/processes.js'
import { TempDirs } from '../helpers/temp.js'

const temp = new TempDirs()
afterEach(() => temp.removeAll())

describe('DisksCollector (real mounts)', () => {
  it('reports every real filesystem by default, / included, with statfs numbers', async () => {
    const disks = new DisksCollector({ statfsTimeoutMs: 10_000 })
    try {
      const { mounts } = await disks.collect()
      const root = mounts.find((m) => m.mountPoint === '/')!
      expect(root.error).toBeNull()
      const s = statfsSync('/')
      expect(root.sizeBytes).toBe(s.blocks * s.bsize)
      expect(root.inodesTotal).toBe(s.files)
      expect(root.usedPercent).toBeGreaterThan(0)
      expect(root.usedPercent).toBeLessThanOrEqual(100)
      expect(root.availableBytes).toBeLessThanOrEqual(root.sizeBytes! - root.usedBytes!)
      expect(root.readOnly).toBe(false)
      expect(mounts.map((m) => m.fsType)).not.toContain('proc')
      expect(mounts.map((m) => m.fsType)).not.toContain('tmpfs')
    } finally {
      await disks.close()
    }
  })

  it('reports configured paths, an errno code for one that does not exist, and the mount a path lives on', async () => {
    const dir = temp.make()
    const disks = new DisksCollector({ mountPoints: [dir, `${dir}/missing`], statfsTimeoutMs: 10_000 })
    try {
      const { mounts } = await disks.collect()
      expect(mounts[0]).toMatchObject({ mountPoint: dir, error: null })
      expect(mounts[0]!.fsType).not.toBeNull()
      expect(mounts[1]).toMatchObject({
        mountPoint: `${dir}/missing`,
        error: 'ENOENT',
        sizeBytes: null,
        hungSince: null,
      })
    } finally {
      await disks.close()
    }
  })

  it('keeps one helper process across collects and leaves no process or fd behind after close()', async () => {
    const fds = openFds()
    const children = childrenOf()
    const disks = new DisksCollector({ mountPoints: ['/'], statfsTimeoutMs: 10_000 })
    await disks.collect()
    const helper = disks.helperPid
    expect(childrenOf()).toContain(helper)
    await disks.collect()
    expect(disks.helperPid).toBe(helper)
    await disks.close()
    expect(childrenOf()).toEqual(children)
    expect(openFds()).toBe(fds)
    // A collect after close() starts a new helper.
    expect((await disks.collect()).mounts[0]!.error).toBeNull()
    await disks.close()
    expect(childrenOf()).toEqual(children)
  })
})
