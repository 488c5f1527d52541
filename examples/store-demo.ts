// Records five simulated minutes of resource samples (every 10 s) for three agents into a
// FileMetadataStore, reopens the directory read-only, and prints the latest raw points and
// 1-minute aggregates. Timestamps are simulated, so it runs in about a second.
// Run: node --conditions=@warden/source --import tsx examples/store-demo.ts [dir]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileMetadataStore, type ResourceDataPoint } from '@warden/store'

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0)
const STEP = 10_000
const MINUTES = 5
const MiB = 1024 * 1024

const given = process.argv[2]
const dir = given ?? mkdtempSync(join(tmpdir(), 'warden-store-demo-'))

/** Deterministic pseudo-noise in [0, 1). */
const noise = (a: number, b: number) => {
  const x = Math.sin(a * 12.9898 + b * 78.233) * 43_758.5453
  return x - Math.floor(x)
}

const AGENTS = [
  { id: 'web', type: 'http', cpu: 12, rssMiB: 180, read: 2_000, write: 8_000 },
  { id: 'worker', type: 'queue', cpu: 65, rssMiB: 420, read: 50_000, write: 20_000 },
  { id: 'cron', type: 'batch', cpu: 3, rssMiB: 60, read: 0, write: 500 },
]
/** The worker crashes and is restarted at 12:03:00: its I/O counters start again from zero. */
const RESTART_AT = T0 + 3 * 60_000

function sample(agent: (typeof AGENTS)[number], index: number, tick: number): ResourceDataPoint {
  const t = T0 + tick * STEP
  const restarted = agent.id === 'worker' && t >= RESTART_AT
  const since = restarted ? (t - RESTART_AT) / 1000 : (t - T0) / 1000
  const n = noise(index, tick)
  return {
    timestamp: t,
    // A process's first sample has no CPU figure yet (no previous tick to diff against).
    cpuPercent:
      tick === 0 || (restarted && t === RESTART_AT)
        ? null
        : Math.round(agent.cpu * (0.6 + 0.8 * n) * 10) / 10,
    memoryRss: Math.round(agent.rssMiB * (1 + 0.1 * n)) * MiB,
    memoryVms: Math.round(agent.rssMiB * 3.2) * MiB,
    diskReadBytes: agent.read * since,
    // cron's /proc/<pid>/io is unreadable half the time in this story (another user's process).
    diskWriteBytes: agent.id === 'cron' && tick % 2 === 1 ? null : agent.write * since,
    openFiles: 10 + Math.floor(n * 20),
    threads: agent.id === 'worker' ? 8 : 2,
  }
}

const store = new FileMetadataStore({ dir })
await store.open()
for (const agent of AGENTS) {
  await store.update(agent.id, (m) => {
    m.type = agent.type
    m.status = 'running'
    m.startTime = T0
  })
}
for (let tick = 0; tick < (MINUTES * 60_000) / STEP; tick++) {
  const t = T0 + tick * STEP
  if (t === RESTART_AT) {
    await store.update('worker', (m) => {
      m.restartCount++
      m.lastExit = { code: 1, signal: null, at: t - 1000 }
      m.startTime = t
    })
  }
  // One atomic write per agent per tick, as the monitor does.
  await Promise.all(AGENTS.map((agent, i) => store.appendResourceData(agent.id, sample(agent, i, tick))))
}
await store.close()

// A second, read-only view of the same directory: everything below comes from the files.
const reader = new FileMetadataStore({ dir, readOnly: true })
await reader.open()

const time = (t: number) => new Date(t).toISOString().slice(11, 19)
const num = (v: number | null, digits = 1) => (v === null ? '-' : v.toFixed(digits))
function table(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)))
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')
  console.log(line(headers))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const r of rows) console.log(line(r))
}

console.log(`store directory: ${dir}`)
console.log(`agents: ${(await reader.list()).join(', ')}\n`)

console.log('History (last 4 raw points per agent)')
const history: string[][] = []
for (const { id } of AGENTS) {
  const meta = (await reader.get(id))!
  for (const p of meta.resourceUsage.range({ since: T0 + 260_000 })) {
    history.push([
      id,
      time(p.timestamp),
      num(p.cpuPercent),
      num(p.memoryRss / MiB, 0),
      num(p.diskReadBytes, 0),
      num(p.diskWriteBytes, 0),
      num(p.openFiles, 0),
      num(p.threads, 0),
    ])
  }
}
table(['agent', 'time', 'cpu %', 'rss MiB', 'read B', 'write B', 'files', 'threads'], history)

console.log('\nAggregated (1-minute buckets)')
const aggregated: string[][] = []
for (const { id } of AGENTS) {
  const meta = (await reader.get(id))!
  const result = meta.resourceUsage.aggregate({ intervalMs: 60_000 })
  for (const b of result.buckets) {
    aggregated.push([
      id,
      time(b.start),
      String(b.count),
      num(b.cpuPercent.avg),
      num(b.cpuPercent.max),
      num(b.memoryRss.avg === null ? null : b.memoryRss.avg / MiB),
      num(b.diskReadRate),
      num(b.diskWriteRate),
      String(result.tier),
    ])
  }
}
table(
  ['agent', 'minute', 'points', 'cpu avg', 'cpu max', 'rss avg MiB', 'read B/s', 'write B/s', 'from'],
  aggregated,
)

const worker = (await reader.get('worker'))!
console.log(
  `\nworker: restartCount ${worker.restartCount}, last exit code ${worker.lastExit?.code} at ${time(worker.lastExit!.at)};` +
    ' its read/write counters restarted at 12:03:00, which counts as a restart, not a negative rate.',
)
await reader.close()
if (given === undefined) rmSync(dir, { recursive: true, force: true })
