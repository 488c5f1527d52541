// Test helpers: start fixtures and wait for `ready`, poll with a deadline, kill everything started.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process'
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { until } from '../../../../test/helpers/until.js'
import { fixturePath } from '../helpers/processes.js'

export const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), '../fixtures')

const started = new Set<ChildProcess>()
const extraPids = new Set<number>()

/** Spawns `command` and resolves once it printed `ready` (or rejects when it exits first). */
export async function startProcess(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
  readyLine = 'ready',
): Promise<ChildProcess & { pid: number }> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'], ...options })
  started.add(child)
  await new Promise<void>((resolve, reject) => {
    let text = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      if (text.includes(readyLine)) resolve()
    })
    child.once('error', reject)
    child.once('exit', (code, signal) =>
      reject(new Error(`${command} exited (${code ?? signal}) before ${readyLine}`)),
    )
  })
  return child as ChildProcess & { pid: number }
}

/** Starts `test/fixtures/<name>` with node and waits for `ready`. */
export function startFixture(name: string, args: readonly string[] = [], options: SpawnOptions = {}) {
  return startProcess(process.execPath, [fixturePath(name), ...args], options)
}

/** Registers a pid the test did not spawn itself (grandchildren) so cleanup kills it too. */
export function track(pid: number): void {
  extraPids.add(pid)
}

/** Kills every process started through these helpers; for afterEach. */
export async function killAll(): Promise<void> {
  for (const pid of extraPids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
  extraPids.clear()
  const waits: Promise<unknown>[] = []
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) {
      waits.push(new Promise((resolve) => child.once('exit', resolve)))
      child.kill('SIGKILL')
    }
  }
  started.clear()
  await Promise.all(waits)
}

/** Kills `child` and resolves once it has exited (and been reaped). */
export async function killAndWait(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill(signal)
  await exited
}

/** Polls `check` every `everyMs` until it returns a value that is not undefined, or throws at the deadline. */
export async function pollUntil<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  { timeoutMs = 10_000, everyMs = 20 } = {},
): Promise<T> {
  return until(check, timeoutMs, what, everyMs)
}

/** Lets `ms` of wall time pass: a cpu measurement window, not a synchronisation. */
export function measureWindow(ms: number): Promise<void> {
  return delay(ms)
}

/** A field of /proc/<pid>/status, read independently of the code under test. */
export function statusField(pid: number, key: string): number {
  const match = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'latin1'))
  if (match === null) throw new Error(`no ${key} in /proc/${pid}/status`)
  return Number(match[1])
}

/** Open fds of `pid` by listing /proc/<pid>/fd. */
export function listFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length
}

/** How many fds of THIS process point into /proc/<pid>/ (what a sampler keeps open for `pid`). */
export function procFdsOf(pid: number): number {
  let n = 0
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(`/proc/${pid}/`)) n++
    } catch {
      // The fd of the listing itself is closed by now.
    }
  }
  return n
}
