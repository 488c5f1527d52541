// Records a few real samples of two agents into a temporary FileMetadataStore, then reads the
// raw history and 1-second aggregated buckets back through the monitor.
// Run: node --conditions=@warden/source --import tsx examples/history.ts
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Supervisor } from '@warden/core'
import { ResourceMonitor } from '@warden/monitor'
import { FileMetadataStore } from '@warden/store'

const dir = mkdtempSync(join(tmpdir(), 'warden-history-'))
const store = new FileMetadataStore({ dir })
await store.open()

const supervisor = new Supervisor()
supervisor.add({ id: 'idle', command: process.execPath, args: ['-e', 'setInterval(() => {}, 1e9)'] })
supervisor.add({ id: 'busy', command: process.execPath, args: ['-e', 'for (;;);'] })
await supervisor.startAll()

const monitor = new ResourceMonitor({ registry: supervisor.registry, store, intervalMs: 250 })
monitor.start()
for (let i = 0; i < 8; i++) await monitor.waitForPoll()
await monitor.stop()
await supervisor.shutdown()

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`
for (const id of ['idle', 'busy']) {
  console.log(`\n${id}: raw points`)
  for (const p of await monitor.getResourceHistory(id)) {
    const cpu = p.cpuPercent === null ? '   -  ' : `${p.cpuPercent.toFixed(1).padStart(5)}%`
    console.log(
      `  ${new Date(p.timestamp).toISOString()}  cpu ${cpu}  rss ${mb(p.memoryRss)}  fds ${p.openFiles}  threads ${p.threads}`,
    )
  }
  const { buckets, tier } = await monitor.getResourceHistoryAggregated(id, { intervalMs: 1000 })
  console.log(`${id}: 1 s buckets (from ${tier})`)
  for (const b of buckets) {
    console.log(
      `  ${new Date(b.start).toISOString()}  n=${b.count}  cpu avg ${b.cpuPercent.avg?.toFixed(1) ?? '-'}% max ${b.cpuPercent.max?.toFixed(1) ?? '-'}%  rss max ${b.memoryRss.max === null ? '-' : mb(b.memoryRss.max)}`,
    )
  }
}
console.log(
  `\nfiles: ${readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .join(', ')}`,
)

await store.close()
rmSync(dir, { recursive: true, force: true })
