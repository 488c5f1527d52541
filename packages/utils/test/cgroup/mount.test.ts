import { describe, expect, it } from 'vitest'
import { keyedValue, parseCgroup2Mount, parseOwnCgroup } from '../../src/index.js'

// A hybrid host: v1 controllers under /sys/fs/cgroup, the unified hierarchy beside them.
const HYBRID = [
  '25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw',
  '31 25 0:27 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate',
  '42 31 0:39 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory',
].join('\n')

describe('finding the cgroup v2 hierarchy', () => {
  it('takes the cgroup2 mount of mountinfo, not a v1 hierarchy nor a hard-coded path', () => {
    expect(parseCgroup2Mount(HYBRID)).toBe('/sys/fs/cgroup/unified')
    expect(
      parseCgroup2Mount(
        HYBRID.split('\n')
          .filter((l) => !l.includes('cgroup2'))
          .join('\n'),
      ),
    ).toBeUndefined()
    // Optional fields before the separator, and an escaped space in the mount point.
    expect(parseCgroup2Mount('50 1 0:40 / /mnt/my\\040cg rw shared:1 master:2 - cgroup2 none rw')).toBe(
      '/mnt/my cg',
    )
    // A bind mount of a sub-cgroup is not the hierarchy's root.
    expect(parseCgroup2Mount('50 1 0:40 /sub /mnt/sub rw - cgroup2 none rw')).toBeUndefined()
  })

  it("reads a process's own cgroup from the 0:: line only", () => {
    expect(parseOwnCgroup('4:memory:/process_api/x\n0::/warden/agent-a\n')).toBe('/warden/agent-a')
    expect(parseOwnCgroup('0::/\n')).toBe('/')
    expect(parseOwnCgroup('4:memory:/x\n')).toBeUndefined()
    expect(parseOwnCgroup('0::/gone (deleted)\n')).toBeUndefined()
  })

  it('reads flat-keyed files (cgroup.events, cpu.stat, memory.events) by key', () => {
    const text = 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n'
    expect(keyedValue(text, 'usage_usec')).toBe(1500)
    expect(keyedValue(text, 'user_usec')).toBe(1000)
    expect(keyedValue(text, 'usage')).toBeUndefined()
    expect(keyedValue('populated 0\nfrozen 1', 'frozen')).toBe(1)
  })
})
