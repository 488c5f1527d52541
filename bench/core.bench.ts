// Stop a 50-process tree (node + 7 sh + 42 sleep, 3 levels): wall time until every process of it
// is gone, and child processes the killer spawned, ours (`terminateTree`, /proc) against
// `tree-kill` (one `ps --ppid` per process). Rounds alternate ours/baseline on fresh trees; medians.
import type { ChildProcess } from 'node:child_process'
import { createRequire, syncBuiltinESMExports } from 'node:module'
import { fileURLToPath } from 'node:url'
import { descendantsSync, isSameProcessAlive, type ProcessIdentity, readStat } from '@warden/utils'
// terminateTree is core's internal stop algorithm, no longer exported: the bench measures it at its source.
import { terminateTree } from '../packages/core/src/terminate/kill-tree.ts'
import { type BenchRow, printTable } from './lib/table.ts'

const require = createRequire(import.meta.url)
const childProcess = require('node:child_process') as typeof import('node:child_process')

// Count every spawn made in this process from here on (tree-kill captures `spawn` at load, so
// patch before requiring it; syncBuiltinESMExports updates the ESM named exports too).
let spawned = 0
const realSpawn = childProcess.spawn
childProcess.spawn = ((...args: Parameters<typeof realSpawn>) => {
  spawned++
  return realSpawn(...args)
}) as typeof realSpawn
syncBuiltinESMExports()
const treeKill = require('tree-kill') as (pid: number, signal: string, cb: (err?: Error) => void) => void

const ROUNDS = 7
const SIZE = 50
const fixture = fileURLToPath(new URL('../packages/core/test/fixtures/tree50.js', import.meta.url))

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function makeTree(): Promise<{ root: ProcessIdentity; all: ProcessIdentity[]; child: ChildProcess }> {
  const child = realSpawn(process.execPath, [fixture], { detached: true, stdio: 'ignore' })
  const pid = child.pid!
  const deadline = Date.now() + 30_000
  for (;;) {
    const d = descendantsSync(pid)
    if (
      d.length === SIZE - 1 &&
      d.every((p) => readStat(p)?.comm !== 'sh' || descendantsSync(p).length === 6)
    ) {
      const all = [pid, ...d].map((p) => ({ pid: p, startTicks: readStat(p)!.startTicks }))
      return { root: all[0]!, all, child }
    }
    if (Date.now() > deadline) throw new Error(`tree not ready: ${d.length + 1} processes`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function allGone(all: ProcessIdentity[], deadlineMs = 15_000): Promise<void> {
  const deadline = Date.now() + deadlineMs
  while (all.some(isSameProcessAlive)) {
    if (Date.now() > deadline) throw new Error('tree survived')
    await new Promise((r) => setTimeout(r, 2))
  }
}

const ours = { ms: [] as number[], spawns: [] as number[] }
const base = { ms: [] as number[], spawns: [] as number[] }
for (let round = 0; round < ROUNDS; round++) {
  {
    const t = await makeTree()
    const before = spawned
    const t0 = performance.now()
    await terminateTree({ root: t.root, timeoutMs: 10_000 })
    await allGone(t.all)
    ours.ms.push(performance.now() - t0)
    ours.spawns.push(spawned - before)
  }
  {
    const t = await makeTree()
    const before = spawned
    const t0 = performance.now()
    await new Promise<void>((resolve, reject) =>
      treeKill(t.root.pid, 'SIGTERM', (e) => (e ? reject(e) : resolve())),
    )
    await allGone(t.all)
    base.ms.push(performance.now() - t0)
    base.spawns.push(spawned - before)
  }
}

const oursMs = median(ours.ms)
const baseMs = median(base.ms)
const rows: BenchRow[] = [
  {
    name: `stop a ${SIZE}-process tree: time until all gone (median of ${ROUNDS})`,
    ours: oursMs,
    baseline: baseMs,
    unit: 'ms',
    target: '≤ tree-kill',
    met: oursMs <= baseMs,
  },
  {
    name: 'child processes spawned by the killer (median)',
    ours: median(ours.spawns),
    baseline: median(base.spawns),
    unit: 'procs',
    target: '0 on Linux',
    met: Math.max(...ours.spawns) === 0,
  },
]
printTable('@warden/core: stop a process tree (ours: terminateTree via /proc; baseline: tree-kill)', rows)
