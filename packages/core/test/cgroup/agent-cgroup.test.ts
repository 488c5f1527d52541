import { readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { AgentCgroup } from '../../src/cgroup/agent-cgroup.js'
import { tempDir } from '../helpers.js'

// The memory controller is not enabled here: an OOM kill cannot be had, so its interface files are
// stood in for by plain files with the kernel's format (memory.events, cgroup.procs).
describe('AgentCgroup: OOM kills', () => {
  it('reports an OOM kill when memory.events oom_kill grew since the process was placed', () => {
    const { dir, cleanup } = tempDir()
    try {
      const events = (oomKill: number): string =>
        `low 0\nhigh 0\nmax 3\noom 1\noom_kill ${oomKill}\noom_group_kill 0\n`
      writeFileSync(`${dir}/memory.events`, events(2))
      const cgroup = new AgentCgroup('a', dir)
      cgroup.place(4242)
      expect(readFileSync(`${dir}/cgroup.procs`, 'latin1')).toBe('4242')
      expect(cgroup.oomKilledSincePlaced()).toBe(false)
      writeFileSync(`${dir}/memory.events`, events(3))
      expect(cgroup.oomKilledSincePlaced()).toBe(true)
    } finally {
      cleanup()
    }
  })

  it('without the memory controller (no memory.events), an exit is never called an OOM kill', () => {
    const { dir, cleanup } = tempDir()
    try {
      const cgroup = new AgentCgroup('a', dir)
      cgroup.place(4242)
      expect(cgroup.oomKilledSincePlaced()).toBe(false)
    } finally {
      cleanup()
    }
  })
})
