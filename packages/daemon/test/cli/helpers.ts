import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type AgentSpec, Supervisor } from '@warden/core'
import { ResourceMonitor, type ResourceMonitorOptions } from '@warden/monitor'
import { createServer, type ServerOptions } from '@warden/server'
import { FileMetadataStore } from '@warden/store'
import { afterEach } from 'vitest'
// A real node on 127.0.0.1:0, with the tokens and agents of @warden/server's tests.
import { AUTH, CONTROL_TOKEN, idle, READ_TOKEN } from '../../../server/test/helpers.js'
import { type CliIO, runCli } from '../../src/cli/index.js'

export { CONTROL_TOKEN, idle, READ_TOKEN }

/** An agent printing `line <n>` to its stdout log every `everyMs`. */
export function talker(id: string, logFile: string, everyMs = 20): AgentSpec {
  return idle(id, {
    args: ['-e', `let n = 0; setInterval(() => console.log("line " + ++n), ${everyMs})`],
    logs: { stdout: logFile },
  })
}

export interface WardenOptions {
  /** Agents given a temp dir for their log files. */
  readonly agents?: (dir: string) => readonly AgentSpec[]
  readonly monitor?: Partial<Omit<ResourceMonitorOptions, 'registry' | 'store'>>
  readonly server?: Partial<ServerOptions>
}

export interface Warden {
  readonly dir: string
  readonly url: string
  readonly supervisor: Supervisor
  readonly monitor: ResourceMonitor
  readonly store: FileMetadataStore
  readonly app: ReturnType<typeof createServer>
  /** runCli against this node, with the read token in WARDEN_TOKEN unless `env` says otherwise. */
  cli(argv: readonly string[], opts?: CliOptions): Promise<CliResult>
  close(): Promise<void>
}

const open: Warden[] = []

/** Closes every Warden a test started: server, monitor, agents, store, temp dir. */
export function closeWardensAfterEach(): void {
  afterEach(async () => {
    for (const w of open.splice(0)) await w.close()
  })
}

/** A real node: store in a temp dir, Supervisor with the agents started, ResourceMonitor (one poll done), server. */
export async function startWarden(opts: WardenOptions = {}): Promise<Warden> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-cli-'))
  const store = new FileMetadataStore({ dir: join(dir, 'store'), fsync: false })
  await store.open()
  const supervisor = new Supervisor({ keepAlive: false })
  for (const spec of opts.agents?.(dir) ?? []) supervisor.add(spec)
  await supervisor.startAll()
  const monitor = new ResourceMonitor({
    registry: supervisor.registry,
    store,
    intervalMs: 60_000,
    ...opts.monitor,
  })
  const app = createServer({ supervisor, monitor, store, auth: AUTH, logPollMs: 20, ...opts.server })
  let closed = false
  const w: Warden = {
    dir,
    url: '',
    supervisor,
    monitor,
    store,
    app,
    cli: (argv, cliOpts = {}) =>
      cli(argv, { ...cliOpts, env: { WARDEN_URL: w.url, WARDEN_TOKEN: READ_TOKEN, ...cliOpts.env } }),
    close: async () => {
      if (closed) return
      closed = true
      await app.close()
      await monitor.stop()
      await supervisor.shutdown()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  open.push(w)
  monitor.start()
  await monitor.waitForPoll({ timeoutMs: 10_000 })
  ;(w as { url: string }).url = await app.listen({ port: 0 })
  return w
}

export interface CliOptions {
  readonly env?: Record<string, string | undefined>
  readonly signal?: AbortSignal
  readonly isTTY?: boolean
  /** Called with what stdout holds so far after each write. */
  readonly onStdout?: (text: string) => void
}

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** runCli with stdout and stderr captured. */
export async function cli(argv: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const io: CliIO = {
    stdout: {
      write: (s: string) => {
        stdout += s
        opts.onStdout?.(stdout)
      },
    },
    stderr: { write: (s: string) => (stderr += s) },
    env: opts.env ?? {},
    ...(opts.signal && { signal: opts.signal }),
    ...(opts.isTTY !== undefined && { isTTY: opts.isTTY }),
  }
  const code = await runCli([...argv], io)
  return { code, stdout, stderr }
}

/** Polls `fn` until it returns a truthy value or the deadline passes. */
export async function until<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await fn()
    if (value) return value as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** A URL where nothing listens: a port that was just bound and released. */
export async function deadUrl(): Promise<string> {
  const { createServer: createNetServer } = await import('node:net')
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}
