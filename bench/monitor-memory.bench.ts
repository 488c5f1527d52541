// RSS of a process monitoring N agents whose in-memory histories are full (1440 points each),
// against the same data held as arrays of ResourceDataPoint objects. Each figure comes from a
// fresh child process, so one size's heap never inflates another's.

import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createSampler, ResourceMonitor, type SampleOutcome, type Sampler } from '@warden/monitor'
import type { ResourceDataPoint } from '@warden/store'
import { descendantsSync } from '@warden/utils'
import { bundleForChild } from '../test/helpers/bundle.js'
import { type BenchRow, printTable } from './lib/table.ts'

const POINTS = 1440
const TICK_MS = 60_000
/** Ticks sampled from the real processes before the rest of the history is filled synthetically. */
const REAL_TICKS = 5
const T0 = Date.UTC(2026, 0, 1)

/** A deterministic, varied point: columnar storage must not benefit from repeated values. */
function synthetic(agent: number, tick: number): ResourceDataPoint {
  const x = Math.sin(agent * 7919 + tick * 104_729) * 10_000
  const r = x - Math.floor(x)
  return {
    timestamp: T0 + tick * TICK_MS,
    cpuPercent: r * 100,
    memoryRss: 50_000_000 + Math.floor(r * 10_000_000),
    memoryVms: 900_000_000 + Math.floor(r * 1_000_000),
    diskReadBytes: tick * 4096,
    diskWriteBytes: tick * 8192 + agent,
    openFiles: 20 + (tick % 7),
    threads: 8 + (agent % 3),
  }
}

function settle(): number {
  const gc = (globalThis as { gc?: () => void }).gc
  for (let i = 0; i < 4; i++) gc?.()
  return process.memoryUsage().rss / 1024 / 1024
}

/** Spawns `n` idle `sleep` processes under one shell (one ChildProcess object, not n). */
async function sleepers(n: number): Promise<{ pids: number[]; kill: () => void }> {
  const sh = spawn('sh', ['-c', `i=0; while [ $i -lt ${n} ]; do sleep 3600 & i=$((i+1)); done; wait`], {
    stdio: 'ignore',
    detached: true,
  })
  const kill = () => {
    try {
      process.kill(-sh.pid!, 'SIGKILL')
    } catch {}
  }
  const deadline = Date.now() + 60_000
  for (;;) {
    const pids = descendantsSync(sh.pid!)
    if (pids.length >= n) return { pids: pids.slice(0, n), kill }
    if (Date.now() > deadline) {
      kill()
      throw new Error(`only ${pids.length} of ${n} sleep processes started`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function child(mode: string, n: number): Promise<number> {
  if (mode === 'baseline') {
    const histories: ResourceDataPoint[][] = []
    for (let a = 0; a < n; a++) {
      const h: ResourceDataPoint[] = []
      for (let t = 0; t < POINTS; t++) h.push(synthetic(a, t))
      histories.push(h)
    }
    const rss = settle()
    if (histories.length !== n) throw new Error('unreachable')
    return rss
  }
  // ours: a real monitor over n live processes, sampled for real for the first ticks (the sampler
  // keeps its per-process state), then fed synthetic points through the same monitor path.
  const { pids, kill } = await sleepers(n)
  try {
    const real = createSampler('auto')
    let tick = 0
    const sampler: Sampler = {
      backend: real.backend,
      sampleAll: async (targets, options) => {
        if (tick < REAL_TICKS) return real.sampleAll(targets, options)
        const out = new Map<string, SampleOutcome>()
        targets.forEach((t, a) => {
          out.set(t.id, { kind: 'ok', point: synthetic(a, tick), startTicks: null })
        })
        return out
      },
      close: () => real.close(),
    }
    const agents = pids.map((pid, a) => ({
      id: `agent-${a}`,
      pid,
      startTicks: null,
      status: 'running' as const,
    }))
    const monitor = new ResourceMonitor({
      registry: { list: () => agents },
      sampler,
      clock: () => T0 + tick * TICK_MS,
      defaultThreshold: { cpuPercent: 90, memoryBytes: 2e9, durationMs: 300_000 },
    })
    const gc = (globalThis as { gc?: () => void }).gc
    for (tick = 0; tick < POINTS; tick++) {
      const r = await monitor.collectOnce()
      if (r.sampled !== n) throw new Error(`tick ${tick}: sampled ${r.sampled} of ${n}`)
      // A deployed monitor idles for intervalMs between ticks, and V8's memory reducer runs a
      // full GC in such idle time: the arrays a history outgrew are freed before the next tick.
      if (mode === 'ours-idle') gc?.()
    }
    const full = await monitor.getResourceHistory('agent-0')
    if (n > 0 && full.length !== POINTS) throw new Error(`history holds ${full.length} points, not ${POINTS}`)
    const rss = settle()
    await monitor.stop()
    real.close()
    return rss
  } finally {
    kill()
  }
}

/**
 * Bundles this file to plain JavaScript, so the children run as a deployed monitor does: without
 * the tsx loader, whose loader thread alone costs ~45 MB of RSS.
 */
async function bundle(dir: string): Promise<string> {
  return bundleForChild(fileURLToPath(import.meta.url), join(dir, 'monitor-memory.mjs'))
}

function measure(script: string, mode: string, n: number): number {
  const r = spawnSync(process.execPath, ['--expose-gc', script, '--child', mode, String(n)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  })
  if (r.status !== 0) throw new Error(`child ${mode} ${n} failed with ${r.status ?? r.signal}`)
  return Number(r.stdout.trim().split('\n').at(-1))
}

const args = process.argv.slice(2)
if (args[0] === '--child') {
  console.log(await child(args[1]!, Number(args[2])))
} else {
  const dir = mkdtempSync(join(tmpdir(), 'warden-bench-'))
  const script = await bundle(dir)
  const rows: BenchRow[] = []
  const empty = measure(script, 'ours', 0)
  rows.push({ name: 'RSS, monitor over 0 agents (node + warden, for reference)', ours: empty, unit: 'MB' })
  for (const [n, target] of [
    [100, 100],
    [1000, 250],
  ] as const) {
    const baseline = measure(script, 'baseline', n)
    for (const [mode, how] of [
      ['ours-idle', 'GC between ticks, as when idle'],
      ['ours', 'ticks back to back, no idle GC'],
    ] as const) {
      const ours = measure(script, mode, n)
      rows.push({
        name: `RSS, ${n} agents × ${POINTS} points, ${how} (baseline: point objects)`,
        ours,
        baseline,
        unit: 'MB',
        target: `≤ ${target} MB`,
        met: ours <= target,
      })
    }
  }
  rmSync(dir, { recursive: true, force: true })
  printTable('monitor memory (fresh bundled-JS process per figure, RSS after gc)', rows)
}
