// Behaviour both backends share, run against real processes with each backend on Linux.
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ResourceDataPoint } from '@warden/store'
import { childrenOf, descendantsSync, readStat } from '@warden/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { PidusageSampler } from '../../src/sampler/pidusage-sampler.js'
import { ProcfsSampler } from '../../src/sampler/procfs-sampler.js'
import type { SampleOutcome, Sampler, SampleTarget } from '../../src/sampler/types.js'
import {
  killAll,
  killAndWait,
  measureWindow,
  pollUntil,
  startFixture,
  startProcess,
  track,
} from './processes.js'

/** Nanoseconds the main thread of `pid` has run (/proc/<pid>/schedstat field 1). */
function runNs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'latin1').split(' ')[0])
}

const samplers: Sampler[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const s of samplers.splice(0)) s.close()
  await killAll()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const backends = [
  ['procfs', () => new ProcfsSampler()],
  ['procfs, fds not kept', () => new ProcfsSampler({ keepFdsOpen: false })],
  ['pidusage', () => new PidusageSampler()],
] as const

async function sampleOne(
  sampler: Sampler,
  target: SampleTarget,
  includeChildren = false,
): Promise<SampleOutcome> {
  const out = await sampler.sampleAll([target], { includeChildren })
  const outcome = out.get(target.id)
  if (outcome === undefined) throw new Error(`no outcome for ${target.id}`)
  return outcome
}

function pointOf(outcome: SampleOutcome): ResourceDataPoint {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`)
  return outcome.point
}

describe.each(backends)('%s backend', (_name, make) => {
  const create = (): Sampler => {
    const s = make()
    samplers.push(s)
    return s
  }

  it('reports null cpu on the first sample and ≈ one core for a busy loop afterwards', async () => {
    const child = await startFixture('burn-cpu.js')
    const sampler = create()
    const target = { id: 'burn', pid: child.pid }
    const first = pointOf(await sampleOne(sampler, target))
    expect(first.cpuPercent).toBeNull()
    expect(first.memoryRss).toBeGreaterThan(10 * 1024 * 1024)
    // Other suites load the 2 cores, so the burner may get less than a core: the truth for the
    // window is the kernel's ns run time of its (busy) main thread, independent of CLK_TCK.
    const run0 = runNs(child.pid)
    const t0 = performance.now()
    await measureWindow(800)
    const cpu = pointOf(await sampleOne(sampler, target)).cpuPercent
    const truth = ((runNs(child.pid) - run0) / 1e6 / (performance.now() - t0)) * 100
    expect(cpu).not.toBeNull()
    expect(Math.abs(cpu! - truth)).toBeLessThanOrEqual(15)
    expect(cpu!).toBeLessThanOrEqual(130)
    // Uncontended, a busy loop is one core.
    if (truth >= 80) expect(cpu!).toBeGreaterThanOrEqual(50)
  })

  it('sees RSS grow monotonically while a process leaks', async () => {
    const child = await startFixture('leak-memory.js', ['4', '50'])
    const sampler = create()
    const target = { id: 'leak', pid: child.pid }
    const rss: number[] = [pointOf(await sampleOne(sampler, target)).memoryRss]
    while (rss.length < 4) {
      const last = rss.at(-1)!
      // Each step waits for growth (≥ 4 MiB per 50 ms tick), so the test never races the leak.
      rss.push(
        await pollUntil('RSS to grow', async () => {
          const now = pointOf(await sampleOne(sampler, target)).memoryRss
          return now > last + 4 * 1024 * 1024 ? now : undefined
        }),
      )
    }
    for (let i = 1; i < rss.length; i++) expect(rss[i]).toBeGreaterThan(rss[i - 1]!)
  })

  it('reports a process that exited between ticks as gone, not as an error', async () => {
    const child = await startFixture('forever.js')
    const sampler = create()
    const target = { id: 'exits', pid: child.pid }
    expect((await sampleOne(sampler, target)).kind).toBe('ok')
    await killAndWait(child)
    expect(await sampleOne(sampler, target)).toEqual({ kind: 'gone' })
    expect(await sampleOne(sampler, target)).toEqual({ kind: 'gone' })
  })

  it('never attributes a pid to a target whose start ticks name another process (pid reuse)', async () => {
    const child = await startFixture('forever.js')
    const startTicks = readStat(child.pid)!.startTicks
    const sampler = create()
    expect(await sampleOne(sampler, { id: 'old-agent', pid: child.pid, startTicks: startTicks - 1 })).toEqual(
      {
        kind: 'gone',
      },
    )
    const ok = await sampleOne(sampler, { id: 'right-agent', pid: child.pid, startTicks })
    expect(ok.kind).toBe('ok')
    if (ok.kind === 'ok' && sampler.backend === 'procfs') expect(ok.startTicks).toBe(startTicks)
  })

  it('reports a zombie as gone', async () => {
    // The sh execs into `sleep 1000`, which never reaps the short sleep: it stays a zombie.
    const parent = await startProcess('/bin/sh', ['-c', 'sleep 0.01 & echo ready; exec sleep 1000'])
    const zombie = await pollUntil('a zombie child', () => {
      const pid = childrenOf(parent.pid)[0]
      return pid !== undefined && readStat(pid)?.state === 'Z' ? pid : undefined
    })
    const sampler = create()
    expect(
      await sampleOne(sampler, { id: 'zombie', pid: zombie, startTicks: readStat(zombie)!.startTicks }),
    ).toEqual({ kind: 'gone' })
    if (sampler.backend === 'procfs')
      expect(await sampleOne(sampler, { id: 'z2', pid: zombie })).toEqual({ kind: 'gone' })
  })

  it('samples a process whose name has spaces and parentheses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-comm-'))
    dirs.push(dir)
    const link = join(dir, 'a b) (c')
    symlinkSync('/bin/sleep', link)
    const child = await startProcess('/bin/sh', ['-c', 'echo ready; exec "$0" 1000', link])
    await pollUntil('the exec', () => (readStat(child.pid)?.comm === 'a b) (c' ? true : undefined))
    const sampler = create()
    const target = { id: 'odd name', pid: child.pid, startTicks: readStat(child.pid)!.startTicks }
    const point = pointOf(await sampleOne(sampler, target))
    expect(point.memoryRss).toBeGreaterThan(0)
    await measureWindow(200)
    const second = pointOf(await sampleOne(sampler, target))
    expect(second.cpuPercent).toBeGreaterThanOrEqual(0)
    expect(second.cpuPercent).toBeLessThan(20)
    if (sampler.backend === 'procfs') expect(second.threads).toBe(1)
  })

  it('sums the process tree with includeChildren and counts the processes exactly', async () => {
    const root = await startFixture('spawn-tree.js', ['3', '2'])
    const tree = descendantsSync(root.pid)
    for (const pid of tree) track(pid)
    expect(tree).toHaveLength(9)
    const sampler = create()
    const target = { id: 'tree', pid: root.pid }
    const point = pointOf(await sampleOne(sampler, target, true))
    expect(point.processes).toBe(10)
    expect(point.cpuPercent).toBeNull()
    const alone = pointOf(await sampleOne(create(), target, false))
    expect(point.memoryRss).toBeGreaterThan(alone.memoryRss)
    expect(alone.processes).toBeUndefined()
    // pidusage cannot read these: the tree total is unknown, never a sum of fake zeros.
    if (sampler.backend === 'pidusage') {
      expect([point.memoryVms, point.threads, alone.memoryVms, alone.threads]).toEqual([
        null,
        null,
        null,
        null,
      ])
    } else {
      expect(point.threads).toBeGreaterThanOrEqual(10)
      expect(point.memoryVms).toBeGreaterThan(alone.memoryVms!)
    }
  })

  it('produces no cpu spike (and no negative cpu) when busy children exit between ticks', async () => {
    // Root, 2 child shells, each with 1 busy leaf: 5 processes.
    const root = await startFixture('spawn-tree.js', ['2', '1', '1'])
    const children = childrenOf(root.pid)
    const leaves = children.flatMap((pid) => childrenOf(pid))
    for (const pid of [...children, ...leaves]) track(pid)
    expect(leaves).toHaveLength(2)
    const sampler = create()
    const target = { id: 'tree', pid: root.pid }
    expect(pointOf(await sampleOne(sampler, target, true)).processes).toBe(5)
    // Let the leaves pile up cpu time: a tree sum of cumulative ticks would then drop sharply.
    await pollUntil('the leaves to burn 30 ticks each', () =>
      leaves.every((pid) => {
        const stat = readStat(pid)
        return stat !== undefined && stat.utime + stat.stime >= 30
      })
        ? true
        : undefined,
    )
    const busy = pointOf(await sampleOne(sampler, target, true))
    expect(busy.processes).toBe(5)
    expect(busy.cpuPercent).toBeGreaterThan(0)
    for (const pid of leaves) process.kill(pid, 'SIGKILL')
    // Killed leaves are zombies until their shell reaps them; either way they are not counted.
    await pollUntil('the leaves to die', () =>
      leaves.every((pid) => {
        const state = readStat(pid)?.state
        return state === undefined || state === 'Z'
      })
        ? true
        : undefined,
    )
    await measureWindow(300)
    const after = pointOf(await sampleOne(sampler, target, true))
    if (sampler.backend === 'procfs') expect(after.processes).toBe(3)
    expect(after.cpuPercent).toBeGreaterThanOrEqual(0)
    expect(after.cpuPercent).toBeLessThan(50)
  })
})
