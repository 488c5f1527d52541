// Per-tick cost of an agent's accounting through the ResourceMonitor as a daemon runs it: agents
// in their own cgroup (totals from cpu.stat, PSI, memory.*, io.stat; per-process detail from the
// members in cgroup.procs) against the /proc tree sum of the same agents (includeChildren:
// descendantsSync + each process's /proc files). 10 agents of 1, 10 and 100 processes each (a
// shell and its sleeps), supervised in a cgroup made under this process's own cgroup v2 for the run.

import { randomBytes } from 'node:crypto'
import { mkdirSync, rmdirSync } from 'node:fs'
import { type PidSource, Supervisor } from '@warden/core'
import { ResourceMonitor } from '@warden/monitor'
import { cgroup2Mount, cgroupOf } from '@warden/utils'
import { type BenchRow, printTable } from './lib/table.js'

const AGENTS = 10
const SIZES = [1, 10, 100]
const RUNS = Number(process.env.BENCH_RUNS ?? 31)

const mount = cgroup2Mount()
const own = cgroupOf('self')
if (mount === undefined || own === undefined) {
  console.log('\nSkipped: no cgroup v2 hierarchy, or this process is in none.')
  process.exit(0)
}
const parent = `${own === '/' ? mount : `${mount}${own}`}/warden-bench-${process.pid}-${randomBytes(3).toString('hex')}`
try {
  mkdirSync(parent)
} catch (error) {
  console.log(`\nSkipped: cannot create a cgroup under ${own} (${(error as NodeJS.ErrnoException).code}).`)
  process.exit(0)
}

/** Both contenders timed in turn, tick after tick, so load spikes of a shared machine hit both: medians, ms. */
async function interleaved(a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<[number, number]> {
  const ta: number[] = []
  const tb: number[] = []
  for (let i = 0; i < 3; i++) await Promise.all([a(), b()])
  for (let i = 0; i < RUNS; i++) {
    for (const [fn, times] of [
      [a, ta],
      [b, tb],
    ] as const) {
      const t0 = performance.now()
      await fn()
      times.push(performance.now() - t0)
    }
  }
  const median = (t: number[]): number => t.sort((x, y) => x - y)[Math.floor(t.length / 2)]!
  return [median(ta), median(tb)]
}

const supervisor = new Supervisor({ cgroupParent: parent, keepAlive: false })
const rows: BenchRow[] = []
try {
  for (const size of SIZES) {
    const ids: string[] = []
    for (let i = 0; i < AGENTS; i++) {
      const id = `p${size}-${i}`
      ids.push(id)
      const sleeps = size - 1
      supervisor.add({
        id,
        command: 'sh',
        // The shell execs the last sleep: `size` processes in all, none of them exits.
        args: ['-c', `i=0; while [ $i -lt ${sleeps} ]; do sleep 3600 & i=$((i+1)); done; exec sleep 3600`],
        containment: 'cgroup',
        stopTimeoutMs: 1000,
      })
      await supervisor.start(id)
    }
    const listed = () => supervisor.registry.list().filter((a) => ids.includes(a.id))
    // Wait until every agent has all its processes.
    const cgroupMonitor = new ResourceMonitor({ registry: { list: listed }, intervalMs: 60_000 })
    for (const deadline = Date.now() + 60_000; ; ) {
      await cgroupMonitor.collectOnce()
      if (ids.every((id) => cgroupMonitor.latest(id)?.processes === size)) break
      if (Date.now() > deadline) throw new Error(`the agents of ${size} processes did not all start`)
      await new Promise((r) => setTimeout(r, 50))
    }
    // The same agents, their cgroups hidden: the /proc tree sum.
    const plain: PidSource = { list: () => listed().map(({ cgroup: _, ...a }) => a) }
    const treeMonitor = new ResourceMonitor({ registry: plain, includeChildren: true, intervalMs: 60_000 })
    const [cg, tree] = await interleaved(
      () => cgroupMonitor.collectOnce(),
      () => treeMonitor.collectOnce(),
    )
    const counted = ids.every((id) => treeMonitor.latest(id)?.processes === size)
    rows.push({
      name: `tick, ${AGENTS} agents × ${size} process${size === 1 ? '' : 'es'}: cgroup vs /proc tree sum${counted ? '' : ' (tree sum counted fewer)'}`,
      ours: cg,
      baseline: tree,
      unit: 'ms',
    })
    await cgroupMonitor.stop()
    await treeMonitor.stop()
    await Promise.all(ids.map((id) => supervisor.remove(id)))
  }
} finally {
  await supervisor.shutdown()
  rmdirSync(parent)
}
printTable(`@warden/monitor cgroup accounting (median of ${RUNS} ticks each, interleaved)`, rows)
