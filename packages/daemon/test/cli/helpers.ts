import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AgentSpec } from '@warden/core'
import type { ResourceMonitorOptions } from '@warden/monitor'
import type { ServerOptions } from '@warden/server'
import { afterEach } from 'vitest'
import { until } from '../../../../test/helpers/until.js'
// A real node on 127.0.0.1:0: @warden/server's test node, tokens and agents.
import {
  CONTROL_TOKEN,
  closeWardensAfterEach as closeNodesAfterEach,
  idle,
  READ_TOKEN,
  type Warden as ServerNode,
  startWarden as startNode,
} from '../../../server/test/helpers.js'
import { type CliIO, runCli } from '../../src/cli/index.js'

export { CONTROL_TOKEN, idle, READ_TOKEN, until }

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

export interface Warden extends ServerNode {
  /** The agents' log directory. */
  readonly dir: string
  /** runCli against this node, with the read token in WARDEN_TOKEN unless `env` says otherwise. */
  cli(argv: readonly string[], opts?: CliOptions): Promise<CliResult>
}

const logDirs: string[] = []

/** Closes every node a test started (server, monitor, agents, store) and removes the log dirs. */
export function closeWardensAfterEach(): void {
  closeNodesAfterEach()
  afterEach(() => {
    for (const dir of logDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })
}

/** @warden/server's test node (one poll done, listening on 127.0.0.1:0), its agents logging into a temp dir. */
export async function startWarden(opts: WardenOptions = {}): Promise<Warden> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-cli-'))
  logDirs.push(dir)
  const node = await startNode({
    agents: opts.agents?.(dir) ?? [],
    ...(opts.monitor && { monitor: opts.monitor }),
    server: { logPollMs: 20, ...opts.server },
  })
  const w: Warden = Object.assign(Object.create(node) as ServerNode, {
    dir,
    cli: (argv: readonly string[], cliOpts: CliOptions = {}) =>
      cli(argv, { ...cliOpts, env: { WARDEN_URL: node.url, WARDEN_TOKEN: READ_TOKEN, ...cliOpts.env } }),
  })
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

/** A URL where nothing listens: a port that was just bound and released. */
export async function deadUrl(): Promise<string> {
  const { createServer: createNetServer } = await import('node:net')
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}
