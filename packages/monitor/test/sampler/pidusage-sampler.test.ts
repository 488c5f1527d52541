import { afterEach, describe, expect, it } from 'vitest'
import { PidusageSampler } from '../../src/sampler/pidusage-sampler.js'
import { killAll, startFixture } from './processes.js'

const samplers: PidusageSampler[] = []
afterEach(async () => {
  for (const s of samplers.splice(0)) s.close()
  await killAll()
})

describe('PidusageSampler', () => {
  it('reports cpu and memory; memoryVms, threads, io and openFiles null (unknown, never a fake 0)', async () => {
    const child = await startFixture('forever.js')
    const sampler = new PidusageSampler()
    samplers.push(sampler)
    const out = await sampler.sampleAll([{ id: 'a', pid: child.pid }], { includeChildren: false, now: 99 })
    expect(out.get('a')).toEqual({
      kind: 'ok',
      startTicks: null,
      point: {
        timestamp: 99,
        cpuPercent: null,
        memoryRss: expect.any(Number),
        memoryVms: null,
        diskReadBytes: null,
        diskWriteBytes: null,
        openFiles: null,
        threads: null,
      },
    })
  })

  it('samples many targets in one pidusage call, a missing pid among them gone', async () => {
    const [a, b] = await Promise.all([startFixture('forever.js'), startFixture('forever.js')])
    const sampler = new PidusageSampler()
    samplers.push(sampler)
    const out = await sampler.sampleAll(
      [
        { id: 'a', pid: a.pid },
        { id: 'none', pid: 2 ** 30 },
        { id: 'b', pid: b.pid },
      ],
      { includeChildren: false },
    )
    expect(out.get('a')?.kind).toBe('ok')
    expect(out.get('b')?.kind).toBe('ok')
    expect(out.get('none')).toEqual({ kind: 'gone' })
  })

  it('runs concurrent passes one after another (they share per-process state)', async () => {
    const child = await startFixture('forever.js')
    const sampler = new PidusageSampler()
    samplers.push(sampler)
    const targets = [{ id: 'a', pid: child.pid }]
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
    // b ran after a completed, so it is the target's second sample.
    expect(first.get('a')).toMatchObject({ kind: 'ok', point: { cpuPercent: null } })
    expect(second.get('a')).toMatchObject({ kind: 'ok', point: { cpuPercent: expect.any(Number) } })
  })

  it('forgets pruned targets: their next sample is a first sample again', async () => {
    const child = await startFixture('forever.js')
    const sampler = new PidusageSampler()
    samplers.push(sampler)
    const target = { id: 'a', pid: child.pid }
    const cpu = async () => {
      const o = (await sampler.sampleAll([target], { includeChildren: false })).get('a')
      return o?.kind === 'ok' ? o.point.cpuPercent : 'not ok'
    }
    expect(await cpu()).toBeNull()
    expect(await cpu()).toEqual(expect.any(Number))
    sampler.prune(new Set(['a']))
    expect(await cpu()).toEqual(expect.any(Number))
    sampler.prune(new Set())
    expect(await cpu()).toBeNull()
  })
})
