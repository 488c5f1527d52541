import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileMetadataStore, ResourceUsageHistory, SCHEMA_VERSION } from '@warden/store'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { compileStore, exited, fixture, killAll, spawnNode, waitForLine } from '../helpers/child.js'

const IDS = ['alpha', 'beta', 'gamma', 'delta']
const KILLS = 100
const TEMP = /\.json\.\d+$/
const HISTORY = { maxSize: 100_000, tiers: [{ intervalMs: 1_000_000, size: 4 }] }

let compiled: ReturnType<typeof compileStore>
let dir: string
beforeAll(() => {
  compiled = compileStore()
  dir = mkdtempSync(join(tmpdir(), 'warden-store-crash-'))
})
afterAll(() => {
  compiled.cleanup()
  rmSync(dir, { recursive: true, force: true })
})
afterEach(killAll)

it(`a writer SIGKILLed ${KILLS} times mid-append leaves only complete files, and the next open removes temp files`, async () => {
  const acked = new Map(IDS.map((id) => [id, 0]))
  let tempsSeen = 0
  let takeovers = 0
  let cleanups = 0

  for (let round = 0; round < KILLS; round++) {
    const child = spawnNode(fixture('append-loop.mjs'), [
      compiled.entry,
      dir,
      IDS.join(','),
      JSON.stringify(HISTORY),
    ])
    let buf = ''
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString()
      const lines = buf.split('\n')
      buf = lines.pop()!
      for (const line of lines) {
        const [id, n] = line.split(' ')
        acked.set(id!, Math.max(acked.get(id!)!, Number(n)))
      }
    })
    const closed = new Promise((resolve) => child.stdout!.once('close', resolve))
    await waitForLine(child, () => true)
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 55))
    child.kill('SIGKILL')
    expect((await exited(child)).signal).toBe('SIGKILL')
    await closed

    // Every file parses and holds a complete history: points 1..k, k = acknowledged or one more (in flight).
    const names = readdirSync(dir)
    tempsSeen += names.filter((n) => TEMP.test(n)).length
    for (const id of IDS) {
      if (!names.includes(`${id}.json`)) {
        expect(acked.get(id), `${id} acknowledged points but has no file`).toBe(0)
        continue
      }
      const json = JSON.parse(readFileSync(join(dir, `${id}.json`), 'utf8'))
      expect(json.schemaVersion).toBe(SCHEMA_VERSION)
      const history = ResourceUsageHistory.fromJSON(json.resourceUsage)
      const ts = history.range().map((p) => p.timestamp)
      const k = ts.length
      expect(
        ts.every((t, i) => t === i + 1),
        `${id}: timestamps are not 1..${k}`,
      ).toBe(true)
      expect(k).toBeGreaterThanOrEqual(acked.get(id)!)
      expect(k).toBeLessThanOrEqual(acked.get(id)! + 1)
      // The rollup tier saw exactly the same points.
      const tier = ResourceUsageHistory.fromJSON(json.resourceUsage, { maxSize: 1, tiers: HISTORY.tiers })
      const agg = tier.aggregate({ intervalMs: 1_000_000, since: 0 })
      expect(agg.tier).toBe(1_000_000)
      expect(agg.buckets.reduce((s, b) => s + b.count, 0)).toBe(k)
      acked.set(id, k)
    }

    // The next open takes over the dead writer's lock and removes what it left behind.
    const store = new FileMetadataStore({ dir })
    store.on('lock:takeover', () => takeovers++)
    store.on('cleanup', () => cleanups++)
    await store.open()
    expect(readdirSync(dir).filter((n) => TEMP.test(n))).toEqual([])
    await store.close()
  }

  expect(takeovers).toBe(KILLS)
  // Kills landed mid-write at least sometimes, so the cleanup path really ran.
  expect(tempsSeen).toBeGreaterThan(0)
  expect(cleanups).toBeGreaterThan(0)
  expect(Math.min(...acked.values())).toBeGreaterThan(KILLS)
}, 90_000)
