import type { ChildProcess } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterEach, describe, expect, it } from 'vitest'
import { ResourceMonitor } from '../../src/index.js'
import { ListSource, Processes } from '../helpers/processes.js'

const procs = new Processes()
afterEach(() => procs.killAll())

/** `global.gc` even when the worker was started without --expose-gc. */
function gc(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc
  if (exposed !== undefined) return exposed
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

const fds = (): number => readdirSync('/proc/self/fd').length

describe('ResourceMonitor soak', () => {
  it('300 ticks over 200 processes (with churn) keep heap and open fds flat', {
    timeout: 90_000,
  }, async () => {
    const AGENTS = 200
    const registry = new ListSource()
    /** Slot -> [agent id, its process]; churn swaps processes and, for half the slots, ids too. */
    const slots = await Promise.all(
      Array.from(
        { length: AGENTS },
        async (_, i) => [`a${i}`, await procs.sleep()] as [string, ChildProcess],
      ),
    )
    // Small histories, so they are full after warm-up and any later growth is a leak.
    const m = new ResourceMonitor({ registry, historySize: 20 })
    // A third of the agents sit in an open episode; churn ends (gone) and reopens some every 10 ticks.
    const watch = (slot: number) => {
      const [id, child] = slots[slot]!
      registry.add(id, child)
      m.setThreshold(id, { threads: slot % 3 === 0 ? 0 : 5, durationMs: 0 })
    }
    for (let i = 0; i < AGENTS; i++) watch(i)
    let samples = 0
    let alerts = 0
    m.on('sample', () => samples++)
    m.on('threshold:error', () => alerts++)
    m.on('threshold:resolved', () => alerts++)

    /**
     * Replaces 10 agents' processes: 5 keep their id (a restart), 5 leave the registry for a new
     * id (the monitor must prune the sampler's fds of ids it no longer sees).
     */
    const churn = async (tick: number) => {
      for (let k = 0; k < 10; k++) {
        const slot = (tick + k * 17) % AGENTS
        const [id, old] = slots[slot]!
        const fresh = await procs.sleep()
        if (k % 2 === 1) {
          registry.agents.delete(id)
          m.setThreshold(id, undefined)
          slots[slot] = [`t${tick}k${k}`, fresh]
        } else slots[slot] = [id, fresh]
        watch(slot)
        await procs.kill(old)
      }
    }

    const collect = gc()
    const tick = async (i: number) => {
      if (i % 10 === 5) await churn(i)
      const r = await m.collectOnce()
      expect(r.errors).toBe(0)
      expect(r.sampled + r.gone).toBe(AGENTS)
    }
    for (let i = 0; i < 60; i++) await tick(i) // warm-up: caches, histories, JIT
    collect()
    const heap0 = process.memoryUsage().heapUsed
    const fds0 = fds()
    for (let i = 60; i < 300; i++) await tick(i)
    collect()
    const heap1 = process.memoryUsage().heapUsed
    const fds1 = fds()
    await m.stop()

    expect(samples).toBeGreaterThan(299 * AGENTS - 1000)
    expect(alerts).toBeGreaterThan(0)
    // Flat: the same number of fds (± a few for the test runner's own pipes), heap within 4 MB.
    expect(Math.abs(fds1 - fds0)).toBeLessThanOrEqual(4)
    expect(heap1 - heap0).toBeLessThan(4 * 1024 * 1024)
    // The monitor's own caches do not keep fds of the 240 replaced processes.
    expect(fds()).toBeLessThan(fds0 + 4)
  })
})
