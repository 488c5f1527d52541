// Fields only the procfs backend has (io, open files, threads, exact memory), its state
// handling (fds evicted, prune, close) and its slicing.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ResourceDataPoint } from '@warden/store'
import { descendantsSync, readStat } from '@warden/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { InvalidOptionError, SampleError } from '../../src/errors.js'
import { ProcfsSampler } from '../../src/sampler/procfs-sampler.js'
import type { SampleOutcome, SampleTarget } from '../../src/sampler/types.js'
import {
  killAll,
  killAndWait,
  listFds,
  pollUntil,
  procFdsOf,
  startFixture,
  statusField,
  track,
} from './processes.js'

const samplers: ProcfsSampler[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const s of samplers.splice(0)) s.close()
  await killAll()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function create(options?: ConstructorParameters<typeof ProcfsSampler>[0]): ProcfsSampler {
  const s = new ProcfsSampler(options)
  samplers.push(s)
  return s
}

async function sample(
  sampler: ProcfsSampler,
  target: SampleTarget,
  includeChildren = false,
): Promise<SampleOutcome> {
  return (await sampler.sampleAll([target], { includeChildren })).get(target.id)!
}

async function point(
  sampler: ProcfsSampler,
  target: SampleTarget,
  includeChildren = false,
): Promise<ResourceDataPoint> {
  const outcome = await sample(sampler, target, includeChildren)
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`)
  return outcome.point
}

describe('ProcfsSampler fields', () => {
  it('sees diskWriteBytes grow for a process that writes and fsyncs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-io-'))
    dirs.push(dir)
    const child = await startFixture('write-file.js', [join(dir, 'out.bin')])
    const sampler = create()
    const target = { id: 'writer', pid: child.pid }
    const first = await point(sampler, target)
    expect(first.diskWriteBytes).not.toBeNull()
    expect(first.diskReadBytes).not.toBeNull()
    const grown = await pollUntil('write_bytes to grow', async () => {
      const p = await point(sampler, target)
      return p.diskWriteBytes! >= first.diskWriteBytes! + 256 * 1024 ? p : undefined
    })
    expect(grown.diskWriteBytes).toBeGreaterThan(first.diskWriteBytes!)
  })

  it('counts open files exactly: the baseline of a fixture plus the n it opened', async () => {
    const [base, withFiles] = await Promise.all([
      startFixture('forever.js'),
      startFixture('open-files.js', ['13']),
    ])
    const sampler = create()
    const basePoint = await point(sampler, { id: 'base', pid: base.pid })
    const filesPoint = await point(sampler, { id: 'files', pid: withFiles.pid })
    expect(basePoint.openFiles).toBe(listFds(base.pid))
    expect(filesPoint.openFiles).toBe(listFds(withFiles.pid))
    expect(filesPoint.openFiles).toBe(basePoint.openFiles! + 13)
  })

  it('counts threads exactly, as /proc/<pid>/status says, worker threads included', async () => {
    const [none, five] = await Promise.all([
      startFixture('threads.js', ['0']),
      startFixture('threads.js', ['5']),
    ])
    for (const readStatus of [false, true]) {
      const sampler = create({ readStatus })
      const p0 = await point(sampler, { id: 'none', pid: none.pid })
      const p5 = await point(sampler, { id: 'five', pid: five.pid })
      expect(p0.threads).toBe(statusField(none.pid, 'Threads'))
      expect(p5.threads).toBe(statusField(five.pid, 'Threads'))
      expect(p5.threads).toBeGreaterThanOrEqual(p0.threads! + 5)
    }
  })

  it('gives the exact RSS and VmSize of /proc/<pid>/status (statm or status, never stat’s estimate)', async () => {
    // 40 MiB leaked in 4 MiB steps, then the process stays still.
    const child = await startFixture('leak-memory.js', ['4', '5', '40'])
    await pollUntil('the leak to reach its cap', () =>
      statusField(child.pid, 'VmRSS') * 1024 > 40 * 1024 * 1024 ? true : undefined,
    )
    for (const readStatus of [false, true]) {
      const sampler = create({ readStatus })
      // A still process can still touch a page between two reads: compare until both agree.
      await pollUntil('a reading equal to status', async () => {
        const before = statusField(child.pid, 'VmRSS') * 1024
        const p = await point(sampler, { id: 'still', pid: child.pid })
        const after = statusField(child.pid, 'VmRSS') * 1024
        return before === after &&
          p.memoryRss === after &&
          p.memoryVms === statusField(child.pid, 'VmSize') * 1024
          ? true
          : undefined
      })
    }
  })

  it('sums threads, open files and io over the tree', async () => {
    const root = await startFixture('spawn-tree.js', ['2', '3'])
    const pids = [root.pid, ...descendantsSync(root.pid)]
    for (const pid of pids.slice(1)) track(pid)
    expect(pids).toHaveLength(9)
    const sampler = create()
    const p = await point(sampler, { id: 'tree', pid: root.pid }, true)
    expect(p.processes).toBe(9)
    expect(p.threads).toBe(pids.reduce((sum, pid) => sum + statusField(pid, 'Threads'), 0))
    expect(p.openFiles).toBe(pids.reduce((sum, pid) => sum + listFds(pid), 0))
    expect(p.diskReadBytes).not.toBeNull()
  })
})

describe('ProcfsSampler identity and state', () => {
  it('pins a target given without startTicks to the first process seen, and reports its startTicks', async () => {
    const child = await startFixture('forever.js')
    const sampler = create()
    const outcome = await sample(sampler, { id: 'a', pid: child.pid })
    expect(outcome).toMatchObject({ kind: 'ok', startTicks: readStat(child.pid)!.startTicks })
    // A registry update to other start ticks for the same pid means another process: gone.
    expect(
      await sample(sampler, { id: 'a', pid: child.pid, startTicks: readStat(child.pid)!.startTicks + 7 }),
    ).toEqual({
      kind: 'gone',
    })
  })

  it('starts over with cpu null when the target moves to another pid (restarted agent)', async () => {
    const [one, two] = await Promise.all([startFixture('forever.js'), startFixture('forever.js')])
    const sampler = create()
    await point(sampler, { id: 'agent', pid: one.pid })
    expect((await point(sampler, { id: 'agent', pid: one.pid })).cpuPercent).not.toBeNull()
    expect((await point(sampler, { id: 'agent', pid: two.pid })).cpuPercent).toBeNull()
  })

  it('drops the fds of a gone target at once, of others on prune(), of all on close()', async () => {
    const children = await Promise.all([
      startFixture('forever.js'),
      startFixture('forever.js'),
      startFixture('forever.js'),
    ])
    const pids = children.map((c) => c.pid)
    const kept = () => pids.map(procFdsOf)
    const sampler = create()
    const targets = pids.map((pid, i) => ({ id: `t${i}`, pid }))
    await sampler.sampleAll(targets, { includeChildren: false })
    expect(sampler.trackedProcesses).toBe(3)
    expect(kept()).toEqual([4, 4, 4])
    await killAndWait(children[0]!)
    const out = await sampler.sampleAll(targets, { includeChildren: false })
    expect(out.get('t0')).toEqual({ kind: 'gone' })
    expect(sampler.trackedProcesses).toBe(2)
    expect(kept()).toEqual([0, 4, 4])
    sampler.prune(new Set(['t1']))
    expect(sampler.trackedProcesses).toBe(1)
    expect(kept()).toEqual([0, 4, 0])
    sampler.close()
    expect(sampler.trackedProcesses).toBe(0)
    expect(kept()).toEqual([0, 0, 0])
  })

  it('stays flat over many passes while tree members come and go', async () => {
    const root = await startFixture('spawn-tree.js', ['2', '2'])
    const pids = [root.pid, ...descendantsSync(root.pid)]
    for (const pid of pids.slice(1)) track(pid)
    const kept = () => pids.reduce((sum, pid) => sum + procFdsOf(pid), 0)
    const sampler = create()
    const target = { id: 'tree', pid: root.pid }
    await sampler.sampleAll([target], { includeChildren: true })
    expect(sampler.trackedProcesses).toBe(7)
    expect(kept()).toBe(7 * 4)
    for (let i = 0; i < 100; i++) await sampler.sampleAll([target], { includeChildren: true })
    expect(sampler.trackedProcesses).toBe(7)
    expect(kept()).toBe(7 * 4)
    // Kill one grandchild: a zombie or reaped, its state and its 4 fds go on the next pass.
    const leaf = pids.at(-1)!
    process.kill(leaf, 'SIGKILL')
    await pollUntil('the leaf to die', () =>
      ['Z', undefined].includes(readStat(leaf)?.state) ? true : undefined,
    )
    const p = await point(sampler, target, true)
    expect(p.processes).toBe(6)
    expect(sampler.trackedProcesses).toBe(6)
    expect(kept()).toBe(6 * 4)
    expect(procFdsOf(leaf)).toBe(0)
  })

  it('keeps at most maxCachedFds open and reads the other processes by path', async () => {
    const children = await Promise.all(Array.from({ length: 5 }, () => startFixture('forever.js')))
    const sampler = create({ maxCachedFds: 9 })
    const targets = children.map((c, i) => ({ id: `t${i}`, pid: c.pid }))
    for (let pass = 0; pass < 2; pass++) {
      const out = await sampler.sampleAll(targets, { includeChildren: false })
      for (const [id, o] of out) {
        expect(o.kind, id).toBe('ok')
        if (o.kind === 'ok')
          expect(o.point.openFiles).toBe(listFds(Number(children[Number(id.slice(1))]!.pid)))
        if (o.kind === 'ok' && pass === 1) expect(o.point.cpuPercent).not.toBeNull()
      }
    }
    expect(sampler.trackedProcesses).toBe(5)
    expect(sampler.cachedFds).toBe(8)
    expect(children.map((c) => procFdsOf(c.pid))).toEqual([4, 4, 0, 0, 0])
    sampler.prune(new Set(['t2', 't3', 't4']))
    expect(sampler.cachedFds).toBe(0)
  })

  it('reads by path when fds are not kept, with the same fields', async () => {
    const child = await startFixture('open-files.js', ['4'])
    const sampler = create({ keepFdsOpen: false })
    const p = await point(sampler, { id: 'a', pid: child.pid })
    expect(procFdsOf(child.pid)).toBe(0)
    expect(p.openFiles).toBe(listFds(child.pid))
    expect(p.threads).toBe(statusField(child.pid, 'Threads'))
    expect(p.diskReadBytes).not.toBeNull()
  })
})

describe('ProcfsSampler passes', () => {
  it('yields to the event loop during a long pass', async () => {
    const child = await startFixture('forever.js')
    const sampler = create({ sliceMs: 0.001 })
    const targets = Array.from({ length: 50 }, (_, i) => ({ id: `same-${i}`, pid: child.pid }))
    let ranDuringPass = false
    let passDone = false
    setImmediate(() => {
      ranDuringPass = !passDone
    })
    const out = await sampler.sampleAll(targets, { includeChildren: false })
    passDone = true
    expect(ranDuringPass).toBe(true)
    expect([...out.values()].every((o) => o.kind === 'ok')).toBe(true)
  })

  it('runs concurrent passes one after another (they share per-process state)', async () => {
    const child = await startFixture('forever.js')
    const sampler = create({ sliceMs: 0.001 })
    const targets = Array.from({ length: 20 }, (_, i) => ({ id: `t${i}`, pid: child.pid }))
    const order: string[] = []
    const a = sampler.sampleAll(targets, { includeChildren: false }).then((out) => {
      order.push('a')
      return out
    })
    const b = sampler.sampleAll(targets, { includeChildren: false }).then((out) => {
      order.push('b')
      return out
    })
    const [first, second] = await Promise.all([a, b])
    expect(order).toEqual(['a', 'b'])
    // b ran after a completed, so every target has its second sample there.
    for (const o of first.values()) expect(o).toMatchObject({ kind: 'ok', point: { cpuPercent: null } })
    for (const o of second.values())
      expect(o).toMatchObject({ kind: 'ok', point: { cpuPercent: expect.any(Number) } })
  })

  it('drops the children state when a target is sampled without includeChildren again', async () => {
    const root = await startFixture('spawn-tree.js', ['2', '1'])
    for (const pid of descendantsSync(root.pid)) track(pid)
    const sampler = create()
    const target = { id: 'tree', pid: root.pid }
    await sampler.sampleAll([target], { includeChildren: true })
    expect(sampler.trackedProcesses).toBe(5)
    const p = await point(sampler, target)
    expect(p.processes).toBeUndefined()
    expect(p.cpuPercent).not.toBeNull()
    expect(sampler.trackedProcesses).toBe(1)
    expect(sampler.cachedFds).toBe(4)
  })

  it('turns a bad pid into an error outcome for that target only', async () => {
    const child = await startFixture('forever.js')
    const sampler = create()
    const out = await sampler.sampleAll(
      [
        { id: 'bad', pid: -3 },
        { id: 'good', pid: child.pid },
      ],
      { includeChildren: false },
    )
    const bad = out.get('bad')
    expect(bad?.kind).toBe('error')
    if (bad?.kind === 'error') {
      expect(bad.error).toBeInstanceOf(SampleError)
      expect((bad.error as SampleError).code).toBe('ERR_MONITOR_SAMPLE')
      expect(bad.error.cause).toBeInstanceOf(InvalidOptionError)
      expect(bad.error.message).toContain(
        'Expected `pid` of target "bad" to be a positive integer, got -3 (number)',
      )
    }
    expect(out.get('good')?.kind).toBe('ok')
  })

  it('reports a pid that never existed as gone', async () => {
    expect(await sample(create(), { id: 'none', pid: 2 ** 30 })).toEqual({ kind: 'gone' })
  })

  it('uses the given timestamp for every point of a pass', async () => {
    const child = await startFixture('forever.js')
    const p = await create().sampleAll([{ id: 'a', pid: child.pid }], { includeChildren: false, now: 1234 })
    expect(p.get('a')).toMatchObject({ kind: 'ok', point: { timestamp: 1234 } })
  })

  it('validates its options', () => {
    expect(() => new ProcfsSampler({ sliceMs: -5 })).toThrow(
      'Expected `sliceMs` to be a positive number, got -5 (number)',
    )
    expect(() => new ProcfsSampler({ keepFdsOpen: 'yes' as never })).toThrow(
      'Expected `keepFdsOpen` to be a boolean, got "yes" (string)',
    )
    expect(() => new ProcfsSampler({ readStatus: 1 as never })).toThrow(InvalidOptionError)
    expect(() => new ProcfsSampler({ maxCachedFds: 1.5 })).toThrow(
      'Expected `maxCachedFds` to be a non-negative integer, got 1.5 (number)',
    )
  })
})
