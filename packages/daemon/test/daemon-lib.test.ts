import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { FileMetadataStore } from '@warden/store'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { until } from '../../../test/helpers/until.js'
import { parseConfig } from '../src/config/load.js'
import { WardenDaemon } from '../src/daemon.js'
import { createLogger } from '../src/log.js'
import { alive, reap } from './process.js'

// WardenDaemon in process: concurrent reloads and shutdowns, the shutdown deadline, and a failed
// start that undoes itself.

const FOREVER = "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1e9)"
const STUBBORN = "process.on('SIGTERM', () => {}); setInterval(() => {}, 1e9)"
let dir: string
const pids = new Set<number>()
const daemons: WardenDaemon[] = []

const quiet = () =>
  createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) })
const yaml = (agents: [string, string, string?][], extra = '') =>
  `dataDir: data\nlisten: 127.0.0.1:0\ninterval: 1s\n${extra}agents:\n${agents
    .map(
      ([id, code, more]) =>
        `  - { id: ${id}, command: ${JSON.stringify(process.execPath)}, args: ["-e", ${JSON.stringify(code)}], stopTimeoutMs: 3s${more ?? ''} }\n`,
    )
    .join('')}`
const config = (text: string) => parseConfig(text, { file: join(dir, 'warden.yaml'), env: {} })
async function start(text: string): Promise<WardenDaemon> {
  const d = await WardenDaemon.start({ config: config(text), logger: quiet() })
  daemons.push(d)
  d.supervisor.on('agent:start', ({ pid }) => pids.add(pid))
  for (const a of d.supervisor.list()) if (a.pid !== null) pids.add(a.pid)
  return d
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-lib-'))
})
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.shutdown().catch(() => {})
  await reap(pids)
  pids.clear()
  await rm(dir, { recursive: true, force: true })
})

describe('WardenDaemon', () => {
  it('reloads racing each other and a shutdown: each reload applies fully or is refused; nothing survives', async () => {
    const d = await start(yaml([['a', FOREVER]]))
    const texts = [
      yaml([
        ['a', FOREVER],
        ['b', FOREVER],
      ]),
      yaml([
        ['b', FOREVER],
        ['c', FOREVER],
      ]),
      yaml([['c', FOREVER, ', env: { X: "1" }']]),
    ]
    const reloads = texts.map((t) => d.reload(config(t)))
    const shutdown = d.shutdown()
    const late = d.reload(config(texts[0]!))
    const settled = await Promise.allSettled([...reloads, late])
    await shutdown
    expect(d.shutdown()).toBe(shutdown) // one shutdown, the same promise
    for (const r of settled) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'ERR_DAEMON_CLOSED' })
    }
    expect(settled.at(-1)).toMatchObject({ status: 'rejected', reason: { code: 'ERR_DAEMON_CLOSED' } })
    await expect(d.reload()).rejects.toMatchObject({ code: 'ERR_DAEMON_CLOSED' })
    expect([...pids].filter(alive)).toEqual([])
    expect(d.store.isOpen).toBe(false)
  }, 60_000)

  it('sequential reloads converge on the last config', async () => {
    const d = await start(yaml([['a', FOREVER]]))
    const r1 = await d.reload(
      config(
        yaml([
          ['a', FOREVER],
          ['b', FOREVER],
        ]),
      ),
    )
    const r2 = await d.reload(
      config(
        yaml([
          ['b', FOREVER, ', env: { X: "1" }'],
          ['c', FOREVER],
        ]),
      ),
    )
    expect(r1).toMatchObject({ added: ['b'], unchanged: ['a'] })
    expect(r2).toMatchObject({ removed: ['a'], changed: ['b'], added: ['c'] })
    expect(d.supervisor.list().map((a) => `${a.id}:${a.status}`)).toEqual(['b:running', 'c:running'])
    expect(d.config.agents.map((a) => a.spec.id)).toEqual(['b', 'c'])
  }, 60_000)

  it('a shutdown that passes its deadline rejects with ShutdownError naming the step; the agent still goes', async () => {
    const base = config(
      yaml([['stubborn', STUBBORN, ', stopTimeoutMs: 8s']]).replace(', stopTimeoutMs: 3s', ''),
    )
    const d = await WardenDaemon.start({ config: { ...base, shutdownTimeoutMs: 4000 }, logger: quiet() })
    daemons.push(d)
    const pid = await until(() => d.supervisor.get('stubborn')?.pid ?? undefined, 10_000, 'the pid')
    pids.add(pid)
    await expect(d.shutdown()).rejects.toMatchObject({
      code: 'ERR_DAEMON_SHUTDOWN',
      failures: [{ step: 'agents', message: expect.stringContaining('shutdownTimeout (4000 ms)') }],
    })
    // The rest of the stop goes on: SIGKILL after its stopTimeoutMs (8 s), then the store closes.
    await until(() => !alive(pid), 30_000, 'the stubborn agent to be killed')
    await until(() => !d.store.isOpen, 30_000, 'the store to close')
  }, 90_000)

  it('a start that cannot listen undoes itself: no agent left, the data directory free again', async () => {
    const taken = createServer()
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r))
    const port = (taken.address() as { port: number }).port
    try {
      const text = yaml([['a', FOREVER]]).replace('127.0.0.1:0', `127.0.0.1:${port}`)
      await expect(WardenDaemon.start({ config: config(text), logger: quiet() })).rejects.toMatchObject({
        code: 'ERR_DAEMON_STARTUP',
        step: 'listen',
      })
      // The agent it had started was stopped again: its last saved pid is not running.
      const saved = new FileMetadataStore({ dir: join(dir, 'data', 'agents'), readOnly: true })
      await saved.open()
      const record = await saved.get('a')
      await saved.close()
      expect(record?.status).toBe('stopped')
      expect(record?.pid == null || !alive(record.pid)).toBe(true)
      // The same data directory opens again (the store's lock was released).
      const d = await start(yaml([['a', FOREVER]]))
      expect(d.supervisor.get('a')?.status).toBe('running')
    } finally {
      taken.close()
    }
  }, 60_000)
})
