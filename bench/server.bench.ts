// @warden/server under load: 200 concurrent autocannon clients on loopback for 10 s each against
// /v1/snapshot and /metrics of a node with 100 agents (bench/lib/server-daemon.ts, its own
// process), and against a plain node:http handler returning the same snapshot JSON from the same
// process, in the same run. Reports errors, p50/p99 latency, throughput and the serving
// process's worst event-loop delay during each load.
import { type ChildProcess, fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { killAll, spawned } from './lib/processes.js'
import { type BenchRow, printTable } from './lib/table.js'

const CONNECTIONS = Number(process.env.BENCH_SERVER_CONNECTIONS ?? 200)
const DURATION_S = Number(process.env.BENCH_SERVER_SECONDS ?? 10)
const TOKEN = randomBytes(24).toString('base64url')

type Message = Record<string, unknown>

function next(child: ChildProcess, key: string): Promise<Message> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Message): void => {
      if (!(key in m)) return
      child.off('message', onMessage)
      child.off('exit', onExit)
      resolve(m)
    }
    const onExit = (code: number | null): void => reject(new Error(`server daemon exited with ${code}`))
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

interface Load {
  readonly p50: number
  readonly p99: number
  readonly rps: number
  readonly errors: number
  readonly detail: string
  readonly maxDelayMs: number
}

async function load(child: ChildProcess, url: string, auth: boolean, seconds = DURATION_S): Promise<Load> {
  const measuring = next(child, 'maxDelayMs')
  child.send({ cmd: 'measure' })
  await next(child, 'measuring')
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    headers: auth ? { authorization: `Bearer ${TOKEN}` } : {},
  })
  child.send({ cmd: 'stop' })
  const { maxDelayMs } = (await measuring) as { maxDelayMs: number }
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    rps: result.requests.average,
    errors: result.errors + result.timeouts + result.non2xx,
    detail: `${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx of ${result.requests.total}`,
    maxDelayMs,
  }
}

const daemon = join(dirname(fileURLToPath(import.meta.url)), 'lib', 'server-daemon.ts')
const child = fork(daemon, [], {
  execArgv: ['--conditions=@warden/source', '--import', 'tsx'],
  env: { ...process.env, BENCH_SERVER_TOKEN: TOKEN },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
})
spawned.add(child.pid!)
try {
  const ready = (await next(child, 'ready')).ready as {
    warden: string
    plain: string
    bytes: number
    agents: number
  }
  // Warm both servers (JIT, connection setup) before the measured runs.
  await load(child, `${ready.plain}/`, false, 2)
  await load(child, `${ready.warden}/v1/snapshot`, true, 2)
  const plain = await load(child, `${ready.plain}/`, false)
  const snapshot = await load(child, `${ready.warden}/v1/snapshot`, true)
  const metrics = await load(child, `${ready.warden}/metrics`, true)
  const what = `${ready.agents} agents, ${CONNECTIONS} connections, ${DURATION_S} s`
  const kb = `${(ready.bytes / 1024).toFixed(0)} KiB`
  const rows: BenchRow[] = [
    {
      name: `/v1/snapshot p99 vs plain node:http returning the same JSON (${kb}) (${what})`,
      ours: snapshot.p99,
      baseline: plain.p99,
      unit: 'ms',
      target: 'ratio ≤ 1.5',
      met: snapshot.p99 <= 1.5 * plain.p99,
    },
    { name: '/v1/snapshot p50 vs plain node:http p50', ours: snapshot.p50, baseline: plain.p50, unit: 'ms' },
    {
      name: '/v1/snapshot requests/s vs plain node:http',
      ours: snapshot.rps,
      baseline: plain.rps,
      unit: 'req/s',
    },
    {
      name: `/v1/snapshot errors (${snapshot.detail})`,
      ours: snapshot.errors,
      unit: '',
      target: '0',
      met: snapshot.errors === 0,
    },
    {
      name: '/v1/snapshot: max event-loop delay of the serving process during the load',
      ours: snapshot.maxDelayMs,
      baseline: plain.maxDelayMs,
      unit: 'ms',
      target: '≤ 20 ms',
      met: snapshot.maxDelayMs <= 20,
    },
    { name: '/metrics p50', ours: metrics.p50, unit: 'ms' },
    { name: '/metrics p99', ours: metrics.p99, unit: 'ms' },
    { name: '/metrics requests/s', ours: metrics.rps, unit: 'req/s' },
    {
      name: `/metrics errors (${metrics.detail})`,
      ours: metrics.errors,
      unit: '',
      target: '0',
      met: metrics.errors === 0,
    },
    {
      name: '/metrics: max event-loop delay of the serving process during the load',
      ours: metrics.maxDelayMs,
      unit: 'ms',
      target: '≤ 20 ms',
      met: metrics.maxDelayMs <= 20,
    },
  ]
  printTable(`@warden/server under load (${what}, loopback)`, rows)
  const closed = next(child, 'closed')
  child.send({ cmd: 'shutdown' })
  await closed
  spawned.delete(child.pid!)
} finally {
  killAll()
}
