import { cgroupCpuUsageUsec, cgroupProcs } from '@warden/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { canMakeCgroup, cgroupUnavailable, testCgroup } from '../../../../test/helpers/cgroup.js'
import { closeWardensAfterEach, idle, READ_TOKEN, startWarden, until } from '../helpers.js'

// warden_agent_cpu_seconds_total of an agent in its own cgroup comes from the cgroup's cpu.stat:
// a child that burned CPU and exited between two ticks is still counted (a /proc sum loses it).

closeWardensAfterEach()
let cgroup: ReturnType<typeof testCgroup> | undefined
afterEach(async () => {
  await cgroup?.remove()
  cgroup = undefined
})

/** One sample of a metric from the text exposition. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

describe('warden_agent_cpu_seconds_total with cgroups', () => {
  it.skipIf(!canMakeCgroup)(
    `counts a child that burned a core and exited between ticks (${cgroupUnavailable ?? 'cgroup v2 writable'})`,
    async () => {
      cgroup = testCgroup()
      // A child burns 600 ms of CPU time and exits; the agent itself stays idle.
      const burnThenExit = `require('node:child_process').spawn(process.execPath, ['-e', 'while (process.cpuUsage().user < 600e3);'], { stdio: 'ignore' }); setInterval(() => {}, 1e9)`
      const w = await startWarden({
        cgroupParent: cgroup.path,
        agents: [idle('parent', { args: ['-e', burnThenExit], containment: 'cgroup' })],
        monitor: { includeChildren: true },
      })
      const dir = w.supervisor.get('parent')?.cgroup
      expect(dir).toBe(`${cgroup.path}/agent-parent`)
      // The child has run and exited: the cgroup used ≥ 0.6 s and holds the agent alone.
      await until(
        () =>
          (cgroupCpuUsageUsec(dir!) ?? 0) >= 600_000 && cgroupProcs(dir!).length === 1 ? true : undefined,
        30_000,
      )
      await w.monitor.collectOnce()
      const text = await (await w.get('/metrics', READ_TOKEN)).text()
      const user = sample(text, 'warden_agent_cpu_seconds_total', 'agent="parent",mode="user"')
      const system = sample(text, 'warden_agent_cpu_seconds_total', 'agent="parent",mode="system"')
      expect((user ?? 0) + (system ?? 0)).toBeGreaterThanOrEqual(0.6)
    },
    60_000,
  )
})
