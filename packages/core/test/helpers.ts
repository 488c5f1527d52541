import { randomInt } from 'node:crypto'
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { descendantsSync, readStat } from '@warden/utils'
import { afterEach } from 'vitest'
import type { AgentSpec, Supervisor, SupervisorEvents } from '../src/index.js'

export { captureUncaught } from '../../../test/helpers/uncaught.js'
export { until } from '../../../test/helpers/until.js'

/** A fixture of this package's tests; `forever.js` is the one every package shares (test/fixtures). */
export const fixture = (name: string): string =>
  fileURLToPath(
    new URL(
      name === 'forever.js' ? '../../../test/fixtures/forever.js' : `./fixtures/${name}`,
      import.meta.url,
    ),
  )

/** A spec running a fixture with the current node; short timings so the suite stays fast. */
export function nodeSpec(
  id: string,
  script: string,
  args: string[] = [],
  extra: Partial<AgentSpec> = {},
): AgentSpec {
  return {
    id,
    command: process.execPath,
    args: [fixture(script), ...args],
    backoff: { initialMs: 20, maxMs: 80, factor: 2 },
    stopTimeoutMs: 2000,
    ...extra,
  }
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'warden-core-'))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * The teardown every supervisor test file shares: after each test, shuts down the supervisor
 * `current` returns (tests build their own, with their own options), then removes the temp dir
 * `dir`, created fresh on first use in a test.
 */
export function supervisorPerTest(current: () => Supervisor): { readonly dir: string } {
  let tmp: ReturnType<typeof tempDir> | undefined
  afterEach(async () => {
    try {
      await current().shutdown()
    } finally {
      tmp?.cleanup()
      tmp = undefined
    }
  })
  return {
    get dir() {
      tmp ??= tempDir()
      return tmp.dir
    },
  }
}

/** Pids of live (non-zombie) processes whose command line contains `marker`. */
export function scanProc(marker: string): number[] {
  const found: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'latin1')
      if (cmdline.includes(marker)) found.push(Number(name))
    } catch {
      // Exited while scanning.
    }
  }
  return found
}

/** Pids of the log relays this process started (its children running the relay script). */
export function relayPids(): number[] {
  return scanProc('warden-relays-').filter((pid) => readStat(pid)?.ppid === process.pid)
}

/** Records every supervisor event in order. */
export function record(
  sup: Supervisor,
): Array<{ name: keyof SupervisorEvents; event: Record<string, unknown> }> {
  const events: Array<{ name: keyof SupervisorEvents; event: Record<string, unknown> }> = []
  const names: Array<keyof SupervisorEvents> = [
    'agent:start',
    'agent:exit',
    'agent:backoff',
    'agent:restart',
    'agent:fatal',
    'agent:status',
    'agent:error',
  ]
  for (const name of names) {
    sup.on(name, (event: object) => events.push({ name, event: event as Record<string, unknown> }))
  }
  return events
}

/** Resolves on the next `agent:log` line of `id` that equals `line`. */
export function waitLine(sup: Supervisor, id: string, line: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sup.off('agent:log', on)
      reject(new Error(`no line ${line} from ${id}`))
    }, timeoutMs)
    const on = (e: { id: string; line: string }): void => {
      if (e.id !== id || e.line !== line) return
      clearTimeout(timer)
      sup.off('agent:log', on)
      resolve()
    }
    sup.on('agent:log', on)
  })
}

/**
 * Descendants of a spawn-children.js root once the tree is complete: both leaves have exec'd
 * (their cmdline says "leaf") and one of them has left the session. Before that, a forked leaf
 * still shares its parent's group and would die with it.
 */
export function spawnChildrenTree(rootPid: number): number[] | undefined {
  const d = descendantsSync(rootPid)
  if (d.length !== 3) return undefined
  const leaves = d.filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'latin1').split('\0').includes('leaf')
    } catch {
      return false
    }
  })
  if (leaves.length !== 2) return undefined
  return leaves.some((p) => readStat(p)?.session === p) ? d : undefined
}

/**
 * A marker that `sleep` accepts as its duration (about 1000 hours) and that is unique to the
 * test: pass it as an argument and scanProc() finds every process that carries it.
 */
export function sleepMarker(): string {
  return `3600000.${String(randomInt(1e9)).padStart(9, '0')}${String(randomInt(1e9)).padStart(9, '0')}`
}

/** The value of WARDEN_AGENT_COOKIE in the environment of `pid`, if it has one. */
export function cookieOf(pid: number): string | undefined {
  try {
    const entry = readFileSync(`/proc/${pid}/environ`, 'latin1')
      .split('\0')
      .find((e) => e.startsWith('WARDEN_AGENT_COOKIE='))
    return entry?.slice('WARDEN_AGENT_COOKIE='.length)
  } catch {
    return undefined
  }
}

/** Pids of live (non-zombie) processes whose environment carries the agent cookie `cookie`. */
export function cookieCarriers(cookie: string): number[] {
  const found: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const stat = readStat(Number(name))
    if (stat === undefined || stat.state === 'Z') continue
    if (cookieOf(Number(name)) === cookie) found.push(Number(name))
  }
  return found
}

/** SIGKILLs whatever carries `marker` (cleanup after a test that may have failed midway). */
export function killMarked(marker: string): void {
  for (const pid of scanProc(marker)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
}

export { seededRandom } from '../../../test/helpers/random.js'

/** Whether this process can run agents as `nobody` (root, and the user exists). */
export function canSwitchToNobody(): boolean {
  if (process.getuid?.() !== 0) return false
  try {
    return /^nobody:[^:]*:65534:/m.test(readFileSync('/etc/passwd', 'utf8'))
  } catch {
    return false
  }
}

/**
 * Bundles `code` (an ES module that may import `@warden/core` and its source files) into one
 * file in `dir`, readable by every user: a child running as another user needs nothing from the
 * checkout.
 */
export async function bundleForOtherUser(code: string, dir: string): Promise<string> {
  const { buildSync } = await import('esbuild')
  const out = join(dir, 'bundle.mjs')
  buildSync({
    stdin: { contents: code, resolveDir: fileURLToPath(new URL('.', import.meta.url)), loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@warden/source'],
    outfile: out,
    logLevel: 'silent',
  })
  chmodSync(dir, 0o755)
  chmodSync(out, 0o644)
  return out
}
