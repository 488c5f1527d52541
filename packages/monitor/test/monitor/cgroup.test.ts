import { type AgentExitEvent, type PidSource, Supervisor } from '@warden/core'
import { readStat } from '@warden/utils'
import { afterEach, describe, expect, it } from 'vitest'
import {
  canMakeCgroup,
  cgroupUnavailable,
  testCgroup,
  testControllers,
} from '../../../../test/helpers/cgroup.js'
import { until } from '../../../../test/helpers/until.js'
import { ResourceMonitor } from '../../src/index.js'

const NEEDS = `(needs a writable cgroup v2${cgroupUnavailable === undefined ? '' : `: ${cgroupUnavailable}`})`

let supervisor: Supervisor | undefined
let monitor: ResourceMonitor | undefined
let cgroup: ReturnType<typeof testCgroup> | undefined
afterEach(async () => {
  await monitor?.stop()
  await supervisor?.shutdown()
  await cgroup?.remove()
  monitor = undefined
  supervisor = undefined
  cgroup = undefined
})

function contained(): Supervisor {
  cgroup = testCgroup()
  supervisor = new Supervisor({ cgroupParent: cgroup.path, keepAlive: false })
  return supervisor
}

/** The same registry with the cgroups hidden: what the /proc tree sum sees of the same agents. */
const withoutCgroups = (sup: Supervisor): PidSource => ({
  list: () => sup.registry.list().map(({ cgroup: _, ...info }) => info),
})

/** Log lines of the agents, as they come. */
function lines(sup: Supervisor): string[] {
  const out: string[] = []
  sup.on('agent:log', (e) => out.push(e.line))
  return out
}

describe('cgroup accounting', () => {
  it.skipIf(!canMakeCgroup)(
    `a setsid + double-fork grandchild burning a core counts in its agent's cpu (0 in the /proc tree sum) and dies on stop() ${NEEDS}`,
    async () => {
      const sup = contained()
      // The subshell exits at once: the burner is reparented away, in a session of its own.
      const script = `(setsid sh -c 'echo burner $$; while :; do :; done' &); exec sleep 3600`
      sup.add({ id: 'escape', command: 'sh', args: ['-c', script], logs: { events: true } })
      const out = lines(sup)
      const info = await sup.start('escape')
      const burner = Number(
        (await until(() => out.find((l) => l.startsWith('burner ')), 10_000, 'the burner')).slice(7),
      )
      expect(readStat(burner)?.session).toBe(burner)
      monitor = new ResourceMonitor({ registry: sup.registry, intervalMs: 60_000 })
      const tree = new ResourceMonitor({
        registry: withoutCgroups(sup),
        includeChildren: true,
        intervalMs: 60_000,
      })
      try {
        await Promise.all([monitor.collectOnce(), tree.collectOnce()])
        // Two readings a moment apart: the burner keeps a core busy as long as it can get one.
        const point = await until(
          async () => {
            await Promise.all([monitor!.collectOnce(), tree.collectOnce()])
            const p = monitor!.latest('escape')
            return p !== undefined && p.cpuPercent !== null && p.cpuPercent > 20 ? p : undefined
          },
          20_000,
          'the burner in the agent’s cpu',
          50,
        )
        expect(point.processes).toBe(2)
        expect(point.cpuSeconds).toBeGreaterThan(0)
        // The tree sum sees `sleep` alone.
        expect(tree.latest('escape')).toMatchObject({ processes: 1 })
        expect(tree.latest('escape')!.cpuPercent).toBeLessThan(point.cpuPercent!)
      } finally {
        await tree.stop()
      }
      await sup.stop('escape')
      const stat = readStat(burner)
      expect(stat === undefined || stat.state === 'Z').toBe(true)
      expect(info.cgroup).toBeDefined()
    },
  )

  it.skipIf(!canMakeCgroup)(
    `a grandchild that burned cpu and exited between two ticks is still in the agent's cpu seconds ${NEEDS}`,
    async () => {
      const sup = contained()
      // On SIGUSR1 a child burns 300 ms of cpu time (whatever the load), exits, and is reaped.
      const agent = `
        const { spawn } = require('node:child_process')
        const burn = 'const t = process.cpuUsage(); while (process.cpuUsage(t).user + process.cpuUsage(t).system < 300000);'
        process.on('SIGUSR1', () => spawn(process.execPath, ['-e', burn], { stdio: 'ignore' }).on('exit', () => console.log('burned')))
        console.log('ready')
        setInterval(() => {}, 1e6)`
      sup.add({ id: 'burst', command: process.execPath, args: ['-e', agent], logs: { events: true } })
      const out = lines(sup)
      const info = await sup.start('burst')
      await until(() => out.includes('ready'), 10_000, 'ready')
      monitor = new ResourceMonitor({ registry: sup.registry, intervalMs: 60_000 })
      await monitor.collectOnce()
      const before = monitor.latest('burst')!
      expect(before.cpuSeconds).not.toBeNull()
      process.kill(info.pid!, 'SIGUSR1')
      await until(() => out.includes('burned'), 20_000, 'the burst')
      await monitor.collectOnce()
      const after = monitor.latest('burst')!
      // The child is gone: the /proc tree sum would have lost its 300 ms.
      expect(after.processes).toBe(1)
      expect(after.cpuSeconds! - before.cpuSeconds!).toBeGreaterThanOrEqual(0.3)
      expect(after.cpuPercent).toBeGreaterThan(0)
    },
  )

  it.skipIf(!canMakeCgroup)(
    `fields whose controller is not enabled are null, never a fake 0; pressure and cpu are always there ${NEEDS}`,
    async () => {
      const sup = contained()
      sup.add({ id: 'idle', command: 'sleep', args: ['3600'] })
      await sup.start('idle')
      monitor = new ResourceMonitor({ registry: sup.registry, intervalMs: 60_000 })
      await monitor.collectOnce()
      await monitor.collectOnce()
      const p = monitor.latest('idle')!
      expect(p.cpuSeconds).toBeTypeOf('number')
      expect(p.cpuPercent).toBeTypeOf('number')
      expect(p.cpuPressure).toBeTypeOf('number')
      const memory = testControllers.has('memory')
      for (const key of ['memoryCurrent', 'memoryPeak', 'oomKills'] as const) {
        if (memory) expect(p[key]).toBeTypeOf('number')
        else expect(p[key]).toBeNull()
      }
      expect(p.memoryRss).toBeGreaterThan(0)
      // The history keeps what was known (null extras are left out of stored points).
      const [stored] = (await monitor.getResourceHistory('idle')).slice(-1)
      expect(stored?.cpuSeconds).toBe(p.cpuSeconds)
    },
  )

  it.skipIf(!canMakeCgroup)(
    `an agent that exits is gone for the monitor; its cgroup is removed ${NEEDS}`,
    async () => {
      const sup = contained()
      sup.add({ id: 'brief', command: 'sh', args: ['-c', 'sleep 3600 & exit 0'], restart: 'never' })
      const exited = new Promise<AgentExitEvent>((resolve) => sup.once('agent:exit', resolve))
      await sup.start('brief')
      await exited
      await until(() => sup.get('brief')?.cgroup === undefined, 10_000, 'the cgroup to go')
      monitor = new ResourceMonitor({ registry: sup.registry, intervalMs: 60_000 })
      const report = await monitor.collectOnce()
      expect(report.agents).toBe(0)
    },
  )
})
