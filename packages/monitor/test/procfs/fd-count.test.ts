import { closeSync, openSync, readdirSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { countFds, countFdsOfDir, openFdDir } from '../../src/procfs/fd-count.js'
import { killAll, killAndWait, startFixture } from '../sampler/processes.js'

afterEach(killAll)

describe('fd count', () => {
  it('counts the fds of a fixture exactly (same as listing /proc/<pid>/fd)', async () => {
    const child = await startFixture('open-files.js', ['9'])
    expect(countFds(child.pid)).toBe(readdirSync(`/proc/${child.pid}/fd`).length)
  })

  it('follows fds opened and closed in this process through one open directory fd', () => {
    const dirFd = openFdDir(process.pid)
    expect(dirFd).not.toBeNull()
    try {
      const before = countFdsOfDir(dirFd!, process.pid)
      const extra = [openSync('/dev/null', 'r'), openSync('/dev/null', 'r'), openSync('/dev/null', 'r')]
      expect(countFdsOfDir(dirFd!, process.pid)).toBe(before + 3)
      for (const fd of extra) closeSync(fd)
      expect(countFdsOfDir(dirFd!, process.pid)).toBe(before)
    } finally {
      closeSync(dirFd!)
    }
  })

  it('throws ENOENT through the open directory fd once the process is gone', async () => {
    const child = await startFixture('forever.js')
    const dirFd = openFdDir(child.pid)!
    try {
      await killAndWait(child)
      expect(() => countFdsOfDir(dirFd, child.pid)).toThrow(expect.objectContaining({ code: 'ENOENT' }))
    } finally {
      closeSync(dirFd)
    }
  })
})
