import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AgentInfo, PidSource } from '@warden/core'
import { readStat } from '@warden/utils'

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures')

/** A fixture of this package's tests; `forever.js` is the one every package shares (test/fixtures). */
export const fixturePath = (name: string): string =>
  name === 'forever.js' ? join(FIXTURES, '../../../../test/fixtures/forever.js') : join(FIXTURES, name)

type Agent = Pick<AgentInfo, 'id' | 'pid' | 'startTicks' | 'status'>

/** Spawned processes of one test file, all killed by `killAll()` (call it in afterEach). */
export class Processes {
  readonly #children = new Set<ChildProcess>()
  /** Shells started by `sleeps()`, with the pids of their sleeps. */
  readonly #shells = new Map<ChildProcess, readonly number[]>()

  /** Spawns `test/fixtures/<name>` and resolves once it printed `ready`. */
  async fixture(name: string, ...args: string[]): Promise<ChildProcess> {
    const child = spawn(process.execPath, [fixturePath(name), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    this.#children.add(child)
    await new Promise<void>((resolve, reject) => {
      let out = ''
      child.once('error', reject)
      child.once('exit', (code, signal) => reject(new Error(`${name} exited early (${code ?? signal})`)))
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (out.includes('ready')) resolve()
      })
    })
    child.removeAllListeners('exit')
    return child
  }

  /** Spawns `sleep 3600` (a cheap, idle target); resolves once it is visible in /proc. */
  async sleep(): Promise<ChildProcess> {
    const child = spawn('sleep', ['3600'], { stdio: 'ignore' })
    this.#children.add(child)
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve)
      child.once('error', reject)
    })
    return child
  }

  /**
   * Spawns `n` `sleep 3600` from one shell (a thousand spawns from Node take seconds); resolves
   * with their pids once all exist.
   */
  async sleeps(n: number): Promise<number[]> {
    const shell = spawn(
      '/bin/sh',
      ['-c', `i=0; while [ $i -lt ${n} ]; do sleep 3600 & i=$((i+1)); done; echo ready; wait`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    this.#shells.set(shell, [])
    await new Promise<void>((resolve, reject) => {
      let out = ''
      shell.once('error', reject)
      shell.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (out.includes('ready')) resolve()
      })
    })
    const pids = readFileSync(`/proc/${shell.pid}/task/${shell.pid}/children`, 'latin1')
      .trim()
      .split(' ')
      .map(Number)
    this.#shells.set(shell, pids)
    if (pids.length !== n) throw new Error(`expected ${n} sleeps, found ${pids.length}`)
    return pids
  }

  /** SIGKILLs a child and resolves once it has been reaped (no zombie left). */
  async kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
    this.#children.delete(child)
  }

  async killAll(): Promise<void> {
    await Promise.all([...this.#children].map((c) => this.kill(c)))
    this.#children.clear()
    // The shell reaps its sleeps, then exits itself.
    await Promise.all(
      [...this.#shells].map(async ([shell, pids]) => {
        const exited = new Promise((resolve) => shell.once('exit', resolve))
        for (const pid of pids) killQuietly(pid)
        if (shell.exitCode === null && shell.signalCode === null) await exited
      }),
    )
    this.#shells.clear()
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // Already gone (a test killed it).
  }
}

/** A plain PidSource over a mutable list: the minimum the monitor accepts instead of an AgentRegistry. */
export class ListSource implements PidSource {
  readonly agents = new Map<string, Agent>()

  add(id: string, child: ChildProcess | number, status: Agent['status'] = 'running'): void {
    const pid = typeof child === 'number' ? child : child.pid!
    this.agents.set(id, { id, pid, startTicks: readStat(pid)?.startTicks ?? null, status })
  }

  set(id: string, patch: Partial<Agent>): void {
    this.agents.set(id, { ...this.agents.get(id)!, ...patch })
  }

  list(): Iterable<Agent> {
    return this.agents.values()
  }
}

export { until } from '../../../../test/helpers/until.js'
