import { open } from 'node:fs/promises'
import { FileMetadataStore, ResourceUsageHistory } from '@warden/store'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Turns } from '../../src/file/turns.js'
import { crashImage } from '../helpers/journal.js'
import { point } from '../helpers/points.js'
import { openStore } from '../helpers/tmp.js'

const restore: (() => void)[] = []
afterEach(() => {
  for (const undo of restore.splice(0)) undo()
  vi.restoreAllMocks()
})

/** Counts the FileHandle.readFile calls in flight (record loads; the journal is read with read()). */
async function readsInFlight(): Promise<{ most: number }> {
  const handle = await open('/dev/null', 'r')
  const proto = Object.getPrototypeOf(handle) as { readFile: (...a: unknown[]) => Promise<unknown> }
  await handle.close()
  const original = proto.readFile
  const counter = { most: 0 }
  let now = 0
  proto.readFile = async function (this: unknown, ...args: unknown[]) {
    counter.most = Math.max(counter.most, ++now)
    try {
      return await original.apply(this, args)
    } finally {
      now--
    }
  }
  restore.push(() => {
    proto.readFile = original
  })
  return counter
}

describe('records loaded on first use after open() with a full journal', () => {
  it('are read a few at a time, and each parse and each replay takes its own turn, one agent per turn', async () => {
    const agents = 40
    const journaled = 20
    const ids = Array.from({ length: agents }, (_, i) => `agent-${i}`)
    const writer = await openStore({ fsync: false, checkpointEvery: 1_000_000 })
    for (const id of ids) {
      const history = new ResourceUsageHistory()
      history.add(point({ timestamp: 1 }))
      await writer.save({ id, restartCount: 0, updatedAt: 0, resourceUsage: history })
    }
    for (let t = 2; t < 2 + journaled; t++)
      await writer.appendMany(ids.map((id) => ({ id, point: point({ timestamp: t }) })))
    const image = crashImage(writer.dir)

    // Which turn step (if any) each replayed point was added in.
    let step = 0
    let inStep = 0
    const run = Turns.prototype.run
    vi.spyOn(Turns.prototype, 'run').mockImplementation(function <T>(this: Turns, fn: () => T) {
      return run.call(this, () => {
        inStep = ++step
        try {
          return fn()
        } finally {
          inStep = 0
        }
      }) as Promise<T>
    })
    const replayed: { step: number; history: ResourceUsageHistory }[] = []
    const add = ResourceUsageHistory.prototype.add
    vi.spyOn(ResourceUsageHistory.prototype, 'add').mockImplementation(function (
      this: ResourceUsageHistory,
      p,
    ) {
      if (p.timestamp < 2 + journaled) replayed.push({ step: inStep, history: this })
      add.call(this, p)
    })
    const reads = await readsInFlight()

    const store = new FileMetadataStore({ dir: image, fsync: false })
    await store.open()
    try {
      const { failed } = await store.appendMany(ids.map((id) => ({ id, point: point({ timestamp: 100 }) })))
      expect(failed).toEqual([])
      expect(reads.most).toBeGreaterThan(0)
      expect(reads.most).toBeLessThanOrEqual(8)
      // Every journaled point was replayed, each inside a turn step, and no step replayed two agents.
      expect(replayed.length).toBe(agents * journaled)
      expect(replayed.every((r) => r.step > 0)).toBe(true)
      const byStep = new Map<number, Set<ResourceUsageHistory>>()
      for (const r of replayed) byStep.set(r.step, (byStep.get(r.step) ?? new Set()).add(r.history))
      expect(byStep.size).toBe(agents)
      expect([...byStep.values()].every((h) => h.size === 1)).toBe(true)
      // And apart from the parses: a step per parse and a step per replay.
      expect(step).toBeGreaterThanOrEqual(2 * agents)
      expect((await store.get('agent-7'))!.resourceUsage.range().map((p) => p.timestamp)).toEqual([
        ...Array.from({ length: 1 + journaled }, (_, i) => i + 1),
        100,
      ])
    } finally {
      await store.close()
    }
  })
})
