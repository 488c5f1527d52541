import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { until } from '../../../test/helpers/until.js'

/** The repository root (tsx is resolved from there) and the `warden` bin, run from source. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url))
export const TOKEN = 'test-token-0123456789abcdef'

export interface Line {
  readonly event?: string
  readonly msg?: string
  readonly level?: string
  readonly [key: string]: unknown
}

/** A `warden` process started by a test: its JSON log lines, its exit, and waits on both. */
export class Warden {
  readonly child: ChildProcess
  readonly lines: Line[] = []
  stdout = ''
  stderr = ''
  readonly exited: Promise<number | null>

  constructor(args: readonly string[], env: Record<string, string | undefined> = {}) {
    this.child = spawn(process.execPath, ['--conditions=@warden/source', '--import', 'tsx', BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, WARDEN_TOKEN: undefined, WARDEN_CONFIG: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let partial = ''
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk
      partial += chunk
      const parts = partial.split('\n')
      partial = parts.pop()!
      for (const part of parts) {
        if (part.startsWith('{')) this.lines.push(JSON.parse(part) as Line)
      }
    })
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk
    })
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)))
  }

  /** The first log line (from `from` on) the predicate accepts. */
  line(predicate: (line: Line) => boolean, timeoutMs = 30_000, what = 'a log line', from = 0): Promise<Line> {
    return until(
      () =>
        this.lines.slice(from).find(predicate) ??
        (this.child.exitCode !== null
          ? Promise.reject(
              new Error(
                `warden exited (${this.child.exitCode}) before ${what}:\n${this.stdout}\n${this.stderr}`,
              ),
            )
          : undefined),
      timeoutMs,
      what,
      25,
    )
  }

  event(name: string, timeoutMs = 30_000, from = 0): Promise<Line> {
    return this.line((l) => l.event === name, timeoutMs, `event ${name}`, from)
  }

  async ready(): Promise<string> {
    return (await this.event('ready', 60_000)).url as string
  }

  signal(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal)
  }

  /** Ends it whatever state it is in (for afterEach). */
  async kill(): Promise<void> {
    this.signal('SIGKILL')
    await this.exited
  }
}

/** Alive and not a zombie. */
export function alive(pid: number): boolean {
  if (!existsSync(`/proc/${pid}`)) return false
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
    return state !== 'Z' && state !== 'X'
  } catch {
    return false
  }
}

/** Kills what a test started and may have left (by pid only), and waits until it is gone. */
export async function reap(pids: Iterable<number>): Promise<void> {
  for (const pid of pids) {
    try {
      if (alive(pid)) process.kill(pid, 'SIGKILL')
    } catch {}
  }
  await until(() => [...pids].every((p) => !alive(p)), 10_000, 'leftover processes to go')
}

export async function api<T = unknown>(
  url: string,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, ...init.headers },
  })
  return { status: res.status, body: (await res.json()) as T }
}
