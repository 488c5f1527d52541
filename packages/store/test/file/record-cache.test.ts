import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { point } from '../helpers/points.js'
import { openStore } from '../helpers/tmp.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/**
 * Heap plus typed-array memory (histories live in ArrayBuffers), after a full collection. V8 frees
 * the backing stores of dead ArrayBuffers on a concurrent sweeper after the GC, so a second
 * collection one turn later is what makes records just evicted stop counting.
 */
async function memory(): Promise<number> {
  gc()
  await new Promise((resolve) => setImmediate(resolve))
  gc()
  const { heapUsed, arrayBuffers } = process.memoryUsage()
  return heapUsed + arrayBuffers
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const LIVE = 400
const ROUNDS = 30
const MINUTE = 60_000

describe('writer cache', () => {
  it('with agent ids churning, cached records and memory follow the live set and reads stay correct', async () => {
    const store = await openStore({ fsync: false, cacheIdleMs: 100 })
    let next = 0
    let live = Array.from({ length: LIVE }, () => `agent-${next++}`)
    const written = new Map<string, number[]>()
    const checkpoints: { cached: number; bytes: number }[] = []

    for (let round = 0; round < ROUNDS; round++) {
      // One monitor tick: a point for every live agent.
      const t = round * MINUTE
      await Promise.all(
        live.map((id) => store.appendResourceData(id, point({ timestamp: t, threads: round }))),
      )
      for (const id of live) written.set(id, [...(written.get(id) ?? []), t])
      // Half the agents are replaced by new ids.
      live = [...live.slice(LIVE / 2), ...Array.from({ length: LIVE / 2 }, () => `agent-${next++}`)]
      if (round === 9 || round === ROUNDS - 1) {
        // Ids no longer appended to leave the cache within 2 × cacheIdleMs.
        await until(() => store.cachedRecords <= LIVE, `at most ${LIVE} cached records`)
        checkpoints.push({ cached: store.cachedRecords, bytes: await memory() })
      }
    }

    expect(next).toBe(LIVE + (ROUNDS * LIVE) / 2)
    // Without eviction the 20 rounds between checkpoints would add 4000 records (~5 KiB each).
    const [early, late] = checkpoints
    expect(late!.bytes - early!.bytes).toBeLessThan(8 * 2 ** 20)

    // Every record reads back whole, whether it stayed cached, was evicted and reloaded, or is gone.
    const ids = [...written.keys()]
    for (const id of [...ids.slice(0, 50), ...ids.slice(-LIVE)]) {
      const history = (await store.get(id))!.resourceUsage
      expect(history.range().map((p) => p.timestamp)).toEqual(written.get(id))
    }
  }, 60_000)
})
