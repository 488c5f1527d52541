import { FileMetadataStore } from '@warden/store'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { compileStore, fixture, killAll, spawnNode, waitForLine } from '../helpers/child.js'
import { tempDir } from '../helpers/tmp.js'

let compiled: ReturnType<typeof compileStore>
beforeAll(() => {
  compiled = compileStore()
})
afterAll(() => compiled.cleanup())
afterEach(killAll)

it('a read-only store reading while another process appends only ever sees complete histories', async () => {
  const dir = tempDir()
  const writer = spawnNode(fixture('append-loop.mjs'), [
    compiled.entry,
    dir,
    'a,b',
    JSON.stringify({ maxSize: 100_000 }),
  ])
  await waitForLine(writer, (l) => l.startsWith('b '))
  const reader = new FileMetadataStore({ dir, readOnly: true, history: { maxSize: 100_000 } })
  const corrupt: unknown[] = []
  reader.on('corrupt', (e) => corrupt.push(e))
  await reader.open()
  let reads = 0
  let grew = 0
  const last = { a: 0, b: 0 }
  const deadline = Date.now() + 1500
  while (Date.now() < deadline) {
    for (const id of ['a', 'b'] as const) {
      const ts = (await reader.get(id))!.resourceUsage.range().map((p) => p.timestamp)
      reads++
      expect(
        ts.findIndex((t, i) => t !== i + 1),
        `${id}: ${ts.length} points from ${ts[0]}`,
      ).toBe(-1)
      // Never goes back: each read sees the newest complete file or a later one.
      expect(ts.length).toBeGreaterThanOrEqual(last[id])
      if (ts.length > last[id]) grew++
      last[id] = ts.length
    }
  }
  await reader.close()
  expect(corrupt).toEqual([])
  expect(reads).toBeGreaterThan(20)
  // The writer really was writing during the reads.
  expect(grew).toBeGreaterThan(5)
})
