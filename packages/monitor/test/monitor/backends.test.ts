import { descendantsSync } from '@warden/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { ResourceMonitor } from '../../src/index.js'
import { ListSource, Processes } from '../helpers/processes.js'

const procs = new Processes()
let leftovers: number[] = []
afterEach(async () => {
  for (const pid of leftovers) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
  }
  leftovers = []
  await procs.killAll()
})

describe('ResourceMonitor sampling options', () => {
  it('includeChildren sums the whole tree into each point', async () => {
    const tree = await procs.fixture('spawn-tree.js', '2', '2') // 1 + 2 + 4 processes
    leftovers = descendantsSync(tree.pid!)
    const registry = new ListSource()
    registry.add('tree', tree)
    const alone = new ResourceMonitor({ registry })
    const summed = new ResourceMonitor({ registry, includeChildren: true })
    await alone.collectOnce()
    await summed.collectOnce()
    const one = alone.latest('tree')!
    const all = summed.latest('tree')!
    expect(one.processes ?? 1).toBe(1)
    expect(all.processes).toBe(7)
    expect(all.memoryRss).toBeGreaterThan(one.memoryRss)
    expect(all.threads).toBeGreaterThan(one.threads!)
    await alone.stop()
    await summed.stop()
  })

  it("backend 'pidusage' samples cpu and memory through the portable sampler", async () => {
    const a = await procs.fixture('forever.js')
    const registry = new ListSource()
    registry.add('a', a)
    const m = new ResourceMonitor({ registry, backend: 'pidusage' })
    expect(m.backend).toBe('pidusage')
    const report = await m.collectOnce()
    expect(report).toMatchObject({ sampled: 1, errors: 0 })
    const p = m.latest('a')!
    expect(p.memoryRss).toBeGreaterThan(1_000_000)
    expect(p.openFiles).toBeNull()
    await m.stop()
  })
})
