import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileMetadataStore, ResourceUsageHistory, SCHEMA_VERSION } from '@warden/store'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { compileStore, exited, fixture, killAll, spawnNode, waitForLine } from '../helpers/child.js'

const IDS = Array.from({ length: 12 }, (_, i) => `agent-${i}`)
const KILLS = 100
const TEMP = /\.json\.\d+$/
const SEGMENT = /^journal-(\d{10})\.wal$/
// A small raw ring, and one tier wide enough to count every point ever added.
const HISTORY = { maxSize: 32, tiers: [{ intervalMs: 1_000_000_000, size: 2 }] }
// Checkpoints every few points and small segments: files are rewritten and segments deleted all the time.
const JOURNAL = { checkpointEvery: 3, segmentBytes: 1024 }

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

/** The points 1..k of a history read back: k, after checking they are exactly those, in order. */
function pointsHeld(history: ResourceUsageHistory, id: string): number {
  const counted = history.aggregate({ intervalMs: 1_000_000_000, since: 0 })
  const k = counted.buckets.reduce((sum, b) => sum + b.count, 0)
  const ts = history.range().map((p) => p.timestamp)
  const from = k - ts.length + 1
  expect(
    ts.every((t, i) => t === from + i),
    `${id}: raw timestamps are not ${from}..${k}: ${ts.join(',')}`,
  ).toBe(true)
  expect(ts.length).toBe(Math.min(k, HISTORY.maxSize))
  return k
}

it(`a writer SIGKILLed ${KILLS} times mid-append (appendResourceData and appendMany, checkpoints and segment deletion under way) loses no acknowledged point`, async () => {
  const acked = new Map(IDS.map((id) => [id, 0]))
  let tempsSeen = 0
  let takeovers = 0
  let cleanups = 0
  let truncations = 0
  let verified = 0
  let maxSeq = 0
  let deletedSeen = 0

  for (let round = 0; round < KILLS; round++) {
    const child = spawnNode(fixture('journal-loop.mjs'), [
      compiled.entry,
      dir,
      IDS.join(','),
      JSON.stringify(HISTORY),
      JSON.stringify(JOURNAL),
    ])
    // A random moment: after a random number of acknowledgements (whatever the machine's load), then 0-5 ms.
    const target = 1 + Math.floor(Math.random() * 150)
    let acks = 0
    let reached: () => void
    const enough = new Promise<void>((resolve) => {
      reached = resolve
    })
    let buf = ''
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString()
      const lines = buf.split('\n')
      buf = lines.pop()!
      for (const line of lines) {
        const [id, n] = line.split(' ')
        if (n === undefined) continue
        acked.set(id!, Math.max(acked.get(id!)!, Number(n)))
        if (++acks >= target) reached()
      }
    })
    const closed = new Promise((resolve) => child.stdout!.once('close', resolve))
    await waitForLine(child, (line) => line === 'ready')
    await Promise.race([enough, exited(child)])
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 5))
    child.kill('SIGKILL')
    expect((await exited(child)).signal).toBe('SIGKILL')
    await closed

    // Every file the dead writer left parses whole.
    const names = readdirSync(dir)
    tempsSeen += names.filter((n) => TEMP.test(n)).length
    const seqs = names.flatMap((n) => SEGMENT.exec(n)?.[1] ?? []).map(Number)
    maxSeq = Math.max(maxSeq, ...seqs)
    if (seqs.length > 0 && Math.min(...seqs) > 1) deletedSeen++
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const json = JSON.parse(readFileSync(join(dir, name), 'utf8'))
      expect(json.schemaVersion).toBe(SCHEMA_VERSION)
      pointsHeld(ResourceUsageHistory.fromJSON(json.resourceUsage), name)
    }

    // A reader opened while the writer is dead sees every acknowledged point (files + journal).
    const reader = new FileMetadataStore({ dir, readOnly: true, history: HISTORY })
    reader.on('corrupt', (e) => expect.fail(`corrupt: ${e.error.message}`))
    await reader.open()
    const seen = new Map<string, number>()
    for (const id of IDS) {
      const meta = await reader.get(id)
      const k = meta === undefined ? 0 : pointsHeld(meta.resourceUsage, id)
      // At most the one append in flight per id (each loop waits for its append) got in unacknowledged.
      expect(k, `${id}: ${k} points held, ${acked.get(id)} acknowledged`).toBeGreaterThanOrEqual(
        acked.get(id)!,
      )
      expect(k).toBeLessThanOrEqual(acked.get(id)! + 1)
      seen.set(id, k)
      verified += acked.get(id)!
    }
    expect(await reader.list()).toEqual(IDS.filter((id) => seen.get(id)! > 0).sort())
    await reader.close()

    // The next writer takes over the dead one's lock, removes its temp files, replays its journal.
    const store = new FileMetadataStore({ dir, history: HISTORY, ...JOURNAL })
    store.on('lock:takeover', () => takeovers++)
    store.on('cleanup', () => cleanups++)
    store.on('journal:truncated', () => truncations++)
    store.on('corrupt', (e) => expect.fail(`corrupt: ${e.error.message}`))
    await store.open()
    expect(readdirSync(dir).filter((n) => TEMP.test(n))).toEqual([])
    for (const id of IDS) {
      const meta = await store.get(id)
      expect(meta === undefined ? 0 : pointsHeld(meta.resourceUsage, id)).toBe(seen.get(id))
      acked.set(id, seen.get(id)!)
    }
    await store.close()
  }

  const distinct = [...acked.values()].reduce((sum, n) => sum + n, 0)
  console.log(
    `crash test: ${KILLS} kills, ${distinct} points acknowledged, ${verified} point checks (every acknowledged ` +
      `point of every id after every kill), ${tempsSeen} temp files and ${truncations} torn journal tails left ` +
      `by kills, segments up to #${maxSeq}, old segments already deleted at ${deletedSeen} kills`,
  )
  expect(takeovers).toBe(KILLS)
  // Kills landed mid-checkpoint at least sometimes, so the cleanup path really ran.
  expect(tempsSeen).toBeGreaterThan(0)
  expect(cleanups).toBeGreaterThan(0)
  // Segments rolled and were deleted while the writer ran.
  expect(deletedSeen).toBeGreaterThan(0)
  expect(Math.min(...acked.values())).toBeGreaterThan(KILLS)
}, 180_000)
