import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Supervisor } from '@warden/core'
import { ResourceMonitor } from '@warden/monitor'
import { FileMetadataStore } from '@warden/store'

const dir = await mkdtemp(join(tmpdir(), 'warden-')) // a daemon keeps it, e.g. /var/lib/warden/agents
const store = new FileMetadataStore({ dir }) // one crash-safe <id>.json per agent
await store.open() // single writer: a second one gets StoreLockedError

const supervisor = new Supervisor({ store })
supervisor.add({
  id: 'web',
  command: process.execPath, // node
  args: ['-e', 'setInterval(() => {}, 1e9)'], // your server.js
  restart: 'always',
  stopTimeoutMs: 5000,
})
supervisor.on('agent:fatal', ({ id, reason }) => console.error(`${id} gave up: ${reason}`))
await supervisor.startAll()

const monitor = new ResourceMonitor({
  registry: supervisor.registry,
  store,
  supervisor,
  intervalMs: 60_000,
  includeChildren: true,
  defaultThreshold: { cpuPercent: 90, memoryBytes: 1024 ** 3, durationMs: 5 * 60_000 },
})
monitor.on('threshold:error', (alert) => console.warn(alert))
monitor.start()
await monitor.collectOnce() // sample now instead of waiting for the first tick

const points = await monitor.getResourceHistory('web', { since: Date.now() - 60_000 })
const hourly = await monitor.getResourceHistoryAggregated('web', {
  since: Date.now() - 86_400_000,
  intervalMs: 3_600_000,
})
const web = supervisor.get('web')
console.log(`web status=${web?.status} pid=${web?.pid} memoryRss=${points.at(-1)?.memoryRss}`)
console.log(`web points=${points.length} hourly buckets=${hourly.buckets.length}`)

// The shutdown order (a daemon runs it on SIGTERM): no tick samples a stopping agent or writes to
// a closing store, and the store closes after the supervisor's last saves.
await monitor.stop()
await supervisor.shutdown() // stops every agent's whole process tree
await store.close()
await rm(dir, { recursive: true })
