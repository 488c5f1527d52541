import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { realMounts } from '../../src/disks/real-filesystems.js'
import { ParseError } from '../../src/index.js'
import { mountOf, parseMountinfo } from '../../src/procfs/mountinfo.js'

const SAMPLE = [
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  '27 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw,errors=remount-ro',
  '30 27 254:2 / /mnt/my\\040disk ro,relatime shared:7 master:2 - xfs /dev/vdb rw',
  '31 27 254:1 /srv/data /data rw,relatime - ext4 /dev/vda1 rw',
  '32 27 0:40 / /home/u/remote rw,nosuid - fuse.sshfs u@host:/ rw,user_id=0',
  '33 27 0:41 / /run/user/1000 rw - tmpfs tmpfs rw,size=100k',
  '34 27 7:0 / /snap/core/1 ro - squashfs /dev/loop0 ro',
  '35 27 0:42 / /nfs rw - nfs4 srv:/export rw,vers=4.2',
  '36 27 0:43 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw',
  '',
].join('\n')

describe('parseMountinfo', () => {
  it('reads every field, unescapes octal escapes, and sees ro in mount or super options', () => {
    const entries = parseMountinfo(SAMPLE)
    expect(entries).toHaveLength(9)
    expect(entries[2]).toEqual({
      device: '254:2',
      root: '/',
      mountPoint: '/mnt/my disk',
      fsType: 'xfs',
      source: '/dev/vdb',
      readOnly: true,
    })
    expect(entries[1]!.readOnly).toBe(false)
    expect(entries[6]!.readOnly).toBe(true)
  })

  it('parses the real /proc/self/mountinfo and finds /', () => {
    const entries = parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'))
    expect(entries.some((e) => e.mountPoint === '/')).toBe(true)
  })

  it('rejects a line without the separator', () => {
    expect(() => parseMountinfo('1 2 3:4 / / rw shared:1 ext4\n')).toThrow(ParseError)
  })

  it('mountOf finds the deepest mount holding a path', () => {
    const entries = parseMountinfo(SAMPLE)
    expect(mountOf(entries, '/mnt/my disk/x')!.fsType).toBe('xfs')
    expect(mountOf(entries, '/mnt/other')!.mountPoint).toBe('/')
    expect(mountOf(entries, '/nfs')!.fsType).toBe('nfs4')
  })
})

describe('realMounts', () => {
  it('skips pseudo filesystems and lists each filesystem once, by its root mount', () => {
    const mounts = realMounts(parseMountinfo(SAMPLE)).map((m) => m.mountPoint)
    expect(mounts).toEqual(['/', '/mnt/my disk', '/home/u/remote', '/nfs'])
  })
})
