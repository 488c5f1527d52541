import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Supervisor } from '@warden/core'
import { ResourceMonitor } from '@warden/monitor'
import { FileMetadataStore } from '@warden/store'

const store = new FileMetadataStore({ dir: await mkdtemp(join(tmpdir(), 'warden-')) }) // e.g. /var/lib/warden
await store.open()
const supervisor = new Supervisor({ store })
supervisor.add({
  id: 'web',
  command: process.execPath,
  args: ['-e', 'setInterval(() => {}, 1e9)'],
  restart: 'always',
})
await supervisor.restore() // adopts what a previous run left running, starts the rest

const monitor = new ResourceMonitor({ registry: supervisor.registry, store, supervisor, intervalMs: 10_000 })
monitor.setThreshold('web', { memoryBytes: 1024 ** 3, durationMs: 60_000, action: 'restart' })
monitor.on('threshold:error', (alert) =>
  console.warn(`${alert.agentId}: ${alert.resource} over ${alert.threshold}`),
)
monitor.start()
await monitor.collectOnce() // sample now rather than at the first tick

const points = await monitor.getResourceHistory('web', { durationMs: 60_000 })
const hourly = await monitor.getResourceHistoryAggregated('web', {
  since: Date.now() - 86_400_000,
  intervalMs: 3_600_000,
})
console.log(
  `web status=${supervisor.get('web')?.status} pid=${supervisor.get('web')?.pid} memoryRss=${points.at(-1)?.memoryRss}`,
)
console.log(`web points=${points.length} hourly buckets=${hourly.buckets.length}`)

await monitor.stop() // on SIGTERM: the monitor, then every agent's process tree, then the store
await supervisor.shutdown()
await store.close()
await rm(store.dir, { recursive: true }) // a daemon keeps it
