// Embedding the supervisor: two agents, lifecycle events, a crash loop that ends in `fatal`,
// then a clean shutdown. Run: node --conditions=@warden/source --import tsx examples/supervise.ts
import { Supervisor } from '@warden/core'

const supervisor = new Supervisor()

supervisor.on('agent:start', (e) => console.log(`start   ${e.id} pid=${e.pid} startTicks=${e.startTicks}`))
supervisor.on('agent:exit', (e) =>
  console.log(
    `exit    ${e.id} code=${e.code} signal=${e.signal} uptime=${e.uptimeMs}ms expected=${e.expected}`,
  ),
)
supervisor.on('agent:backoff', (e) =>
  console.log(`backoff ${e.id} attempt=${e.attempt} delay=${e.delayMs}ms`),
)
supervisor.on('agent:fatal', (e) => console.log(`fatal   ${e.id} reason=${e.reason}`))
supervisor.on('agent:log', (e) => console.log(`log     ${e.id} ${e.stream}: ${e.line}`))

// A well-behaved agent that logs a line every 100 ms.
supervisor.add({
  id: 'ticker',
  command: process.execPath,
  args: ['-e', 'let n = 0; setInterval(() => console.log("tick " + ++n), 100)'],
  logs: { events: true },
})
// An agent that crashes 50 ms after each start: backoff 50 -> 100 -> 200 ms, then the start limit.
supervisor.add({
  id: 'crasher',
  command: process.execPath,
  args: ['-e', 'setTimeout(() => process.exit(1), 50)'],
  backoff: { initialMs: 50, factor: 2, maxMs: 200 },
  startLimit: { burst: 4, intervalMs: 60_000 },
})

await supervisor.startAll()
await supervisor.waitFor('crasher', 'fatal', { timeoutMs: 30_000 })
const ticker = supervisor.get('ticker')!
console.log(`ticker is ${ticker.status} (pid ${ticker.pid}), crasher is ${supervisor.get('crasher')!.status}`)

await supervisor.shutdown()
console.log(
  `shutdown complete: ${supervisor
    .list()
    .map((a) => `${a.id}=${a.status}`)
    .join(' ')}`,
)
