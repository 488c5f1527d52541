// A minimal Warden daemon: a Supervisor, a ResourceMonitor and a FileMetadataStore, brought back
// with restore() at start and stopped in order on SIGTERM. Kill it with SIGKILL and start it again
// on the same store: the agents that kept running are adopted (same pids, same log files), the
// others are run again as their saved state and policy say.
// Run: node --conditions=@warden/source --import tsx examples/daemon.ts <store-dir> <config.json>
// config.json: { "intervalMs": 60000, "agents": [AgentSpec, ...] }. Events go to stdout as JSON lines.
import { readFileSync } from 'node:fs'
import { type AgentSpec, Supervisor } from '@warden/core'
import { ResourceMonitor } from '@warden/monitor'
import { FileMetadataStore } from '@warden/store'

const [dir, configPath] = process.argv.slice(2)
if (dir === undefined || configPath === undefined) {
  console.error('usage: daemon.ts <store-dir> <config.json>')
  process.exit(2)
}
const config = JSON.parse(readFileSync(configPath, 'utf8')) as { intervalMs?: number; agents: AgentSpec[] }
const log = (event: string, data: object = {}): void => console.log(JSON.stringify({ event, ...data }))

const store = new FileMetadataStore({ dir })
await store.open()
const supervisor = new Supervisor({ store })
const monitor = new ResourceMonitor({
  registry: supervisor.registry,
  store,
  intervalMs: config.intervalMs ?? 60_000,
})

supervisor.on('agent:start', ({ id, pid, adopted, restartCount }) =>
  log('start', { id, pid, adopted, restartCount }),
)
supervisor.on('agent:exit', ({ id, pid, code, signal, stderrTail }) =>
  log('exit', { id, pid, code, signal, stderrTail }),
)
supervisor.on('agent:fatal', ({ id, reason, stderrTail }) => log('fatal', { id, reason, stderrTail }))
supervisor.on('agent:error', ({ id, error }) =>
  log('error', { id, code: error.code, message: error.message }),
)
monitor.on('collect-error', ({ error }) => log('collect-error', { message: error.message }))

// The configured agents first, then restore(): it adopts those still running and starts the rest.
// Agents the store knows but the config no longer has come back from their saved spec: this
// daemon's config is the truth, so they are removed (stopped, and their saved spec deleted).
const configured = new Set<string>()
for (const spec of config.agents) {
  supervisor.add(spec)
  configured.add(spec.id)
}
const restored = await supervisor.restore()
for (const r of restored) if (!configured.has(r.id)) await supervisor.remove(r.id)
log('restored', {
  agents: restored.map((r) => ({
    id: r.id,
    source: r.source,
    outcome: r.outcome,
    pid: r.info?.pid ?? null,
    ...(r.error ? { error: r.error.message } : {}),
  })),
})
monitor.start()
log('ready', { pid: process.pid })

let stopping = false
process.on('SIGTERM', () => {
  if (stopping) return
  stopping = true
  void (async () => {
    // The monitor first (no tick samples a stopping agent or writes into a closing store), then
    // the agents, then the store, once the supervisor's last saves are in.
    await monitor.stop()
    let code = 0
    try {
      await supervisor.shutdown()
    } catch (error) {
      log('shutdown-error', { message: (error as Error).message })
      code = 1
    }
    await store.close()
    log('stopped', { code })
    process.exit(code)
  })()
})
