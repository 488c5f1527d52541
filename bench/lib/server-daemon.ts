// The serving process of server.bench.ts: a Warden node (store, Supervisor with `AGENTS` sleeping
// agents, ResourceMonitor ticking every 5 s, HostMonitor every 10 s) with @warden/server on
// 127.0.0.1:0, and in the same process a plain node:http server answering the same snapshot
// JSON. Talks to the bench over IPC: `measure` starts an event-loop delay probe, `stop` ends it
// and answers the worst delay seen; `shutdown` stops everything.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Supervisor } from '@warden/core'
import { HostMonitor } from '@warden/host'
import { ResourceMonitor } from '@warden/monitor'
import { createServer } from '@warden/server'
import { FileMetadataStore } from '@warden/store'
import { maxDelayDuring } from './event-loop.js'

const AGENTS = Number(process.env.BENCH_SERVER_AGENTS ?? 100)
const TOKEN = process.env.BENCH_SERVER_TOKEN!
const send = (m: object): void => void process.send!(m)

const dir = mkdtempSync(join(tmpdir(), 'warden-server-bench-'))
const store = new FileMetadataStore({ dir })
await store.open()
const supervisor = new Supervisor({ store, keepAlive: false })
for (let i = 0; i < AGENTS; i++) {
  supervisor.add({ id: `agent-${String(i).padStart(3, '0')}`, command: 'sleep', args: ['100000'] })
}
await supervisor.startAll()
const monitor = new ResourceMonitor({ registry: supervisor.registry, store, intervalMs: 5000 })
const host = new HostMonitor({ intervalMs: 10_000, gpu: 'off' })
const app = createServer({
  supervisor,
  monitor,
  host,
  store,
  auth: { tokens: [{ token: TOKEN, access: 'read' }] },
})
monitor.start()
host.start()
await monitor.waitForPoll({ timeoutMs: 30_000 })
await monitor.waitForPoll({ timeoutMs: 30_000 }) // a second tick: every cpu % is set
const warden = await app.listen({ port: 0 })

// The baseline: node:http answering the same JSON, as served by Warden a moment ago.
const body = (await app.inject({ url: '/v1/snapshot', headers: { authorization: `Bearer ${TOKEN}` } })).body
const plain = createHttpServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
  res.end(body)
})
await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve))
const { port } = plain.address() as { port: number }

let stopProbe: (() => void) | undefined
process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'measure') {
    void maxDelayDuring(() => new Promise<void>((resolve) => (stopProbe = resolve))).then(({ maxDelayMs }) =>
      send({ maxDelayMs }),
    )
    send({ measuring: true })
  } else if (m.cmd === 'stop') {
    stopProbe?.()
  } else if (m.cmd === 'shutdown') {
    void (async () => {
      await app.close()
      await new Promise((r) => plain.close(r))
      await monitor.stop()
      await host.stop()
      await supervisor.shutdown()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
      send({ closed: true })
      process.exit(0)
    })()
  }
})
send({ ready: { warden, plain: `http://127.0.0.1:${port}`, bytes: Buffer.byteLength(body), agents: AGENTS } })
