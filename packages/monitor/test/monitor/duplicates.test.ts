import type { PidSource } from '@warden/core'
import { readStat } from '@warden/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { type CollectErrorEvent, ResourceMonitor } from '../../src/index.js'
import { Processes } from '../helpers/processes.js'

const procs = new Processes()
afterEach(() => procs.killAll())

type Entry = ReturnType<PidSource['list']> extends Iterable<infer T> ? T : never

describe('a custom registry listing the same id twice', () => {
  it('samples the first entry only and reports each duplicate once per change as a coded collect-error', async () => {
    const [node, sleep] = await Promise.all([procs.fixture('forever.js'), procs.sleep()])
    const entry = (pid: number, status: Entry['status'] = 'running'): Entry => ({
      id: 'x',
      pid,
      startTicks: readStat(pid)?.startTicks ?? null,
      status,
    })
    let entries: Entry[] = [entry(node.pid!), entry(sleep.pid!)]
    const m = new ResourceMonitor({ registry: { list: () => entries } })
    const errors: CollectErrorEvent[] = []
    m.on('collect-error', (e) => errors.push(e))

    const r1 = await m.collectOnce()
    expect(r1).toMatchObject({ agents: 1, sampled: 1 })
    // The node process (several threads), never the sleep (one thread) listed second.
    expect(m.latest('x')!.threads).toBeGreaterThan(1)
    await m.collectOnce()
    expect(await m.getResourceHistory('x')).toHaveLength(2)
    expect((await m.getResourceHistory('x')).every((p) => p.threads! > 1)).toBe(true)
    expect(errors).toHaveLength(1) // once, not once per tick
    expect(errors[0]!.agentId).toBe('x')
    expect(errors[0]!.error).toMatchObject({ code: 'ERR_MONITOR_DUPLICATE_AGENT', agentId: 'x' })
    expect(errors[0]!.error.message).toMatch(/"x".*more than once.*first/)

    entries = [entry(node.pid!)] // fixed...
    await m.collectOnce()
    entries = [entry(sleep.pid!, 'stopped'), entry(node.pid!)] // ...and back: reported again
    const r4 = await m.collectOnce()
    expect(errors.map((e) => e.error.code)).toEqual([
      'ERR_MONITOR_DUPLICATE_AGENT',
      'ERR_MONITOR_DUPLICATE_AGENT',
    ])
    // The first entry is the one in force even when it is not running: nothing is sampled.
    expect(r4).toMatchObject({ agents: 0, sampled: 0 })
    expect(await m.getResourceHistory('x')).toHaveLength(3)
    await m.stop()
  })
})
