import { type ChildProcess, spawn } from 'node:child_process'
import { HELPER_SCRIPT } from './script.js'

/** What statfs(2) said about one path, or the errno code it failed with. */
export type StatfsReply =
  | {
      readonly error?: undefined
      /** Block size of the counts below, bytes. */
      readonly bsize: number
      readonly blocks: number
      readonly bfree: number
      /** Free blocks available to unprivileged users. */
      readonly bavail: number
      readonly files: number
      readonly ffree: number
    }
  | { readonly error: string }

/** How a command run by the helper ended. */
export type RunExit =
  | { readonly error: string }
  | {
      readonly error?: undefined
      readonly code: number | null
      readonly signal: string | null
      /** stdout was cut at `maxBytes` (the command was killed). */
      readonly overflow: boolean
      readonly stdout: string
      readonly stderr: string
    }

/** A command started by the helper: its pid once spawned, its end once it exited. */
export interface HelperRun {
  /** Resolves with the pid once spawned; undefined if it could not be spawned. */
  readonly spawned: Promise<number | undefined>
  readonly exited: Promise<RunExit>
}

type Waiter = (message: Record<string, unknown>) => void

/** Threads of the helper's libuv pool: hung statfs calls each hold one. */
export const HELPER_THREADS = 8

/** The helper's environment: the daemon's, less NODE_OPTIONS (a loader there would slow every start). */
function helperEnv(): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _, ...env } = process.env
  return { ...env, UV_THREADPOOL_SIZE: String(HELPER_THREADS) }
}

/**
 * One long-lived helper process (src/helper/script.ts) answering statfs and run requests over
 * pipes. Spawned once; the daemon's event loop never pays a spawn per tick.
 */
export class HelperProcess {
  /** Resolves when the helper is ready for requests; rejects if it exits before. */
  readonly ready: Promise<void>
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>
  readonly #child: ChildProcess
  readonly #waiters = new Map<number, Waiter>()
  #nextId = 0
  #buffered = ''
  #gone: Error | undefined
  #retired = false

  constructor() {
    this.#child = spawn(process.execPath, ['-e', HELPER_SCRIPT], {
      stdio: ['pipe', 'pipe', 'ignore'],
      env: helperEnv(),
    })
    let onReady!: () => void
    let onFail!: (e: Error) => void
    this.ready = new Promise<void>((resolve, reject) => {
      onReady = resolve
      onFail = reject
    })
    // A rejection nobody awaits (the helper died between ticks) is not an unhandled one.
    this.ready.catch(() => undefined)
    this.exited = new Promise<void>((resolve) => {
      this.#child.once('exit', () => resolve())
      this.#child.once('error', () => resolve())
    })
    const fail = (error: Error): void => {
      this.#gone ??= error
      onFail(this.#gone)
      for (const waiter of this.#waiters.values()) waiter({ error: this.#gone.message, gone: true })
      this.#waiters.clear()
    }
    this.#child.once('error', fail)
    this.#child.once('exit', (code, signal) =>
      fail(new Error(`the helper process exited (${code ?? signal})`)),
    )
    this.#child.stdin!.on('error', () => undefined)
    this.#child.stdout!.setEncoding('utf8')
    this.#child.stdout!.on('data', (chunk: string) => {
      this.#buffered += chunk
      for (let newline = this.#buffered.indexOf('\n'); newline >= 0; newline = this.#buffered.indexOf('\n')) {
        const message = JSON.parse(this.#buffered.slice(0, newline)) as Record<string, unknown>
        this.#buffered = this.#buffered.slice(newline + 1)
        if (message.ready === true) onReady()
        else this.#waiters.get(message.id as number)?.(message)
      }
    })
  }

  get pid(): number | undefined {
    return this.#child.pid
  }

  /** True once the helper has exited or failed to start: its calls no longer answer. */
  get gone(): boolean {
    return this.#gone !== undefined
  }

  /** statfs(path) in the helper; `{ error }` if the helper dies first. */
  statfs(path: string): Promise<StatfsReply> {
    return new Promise((resolve) => {
      const id = this.#send({ op: 'statfs', path }, (message) => {
        this.#waiters.delete(id)
        const { id: _, gone: __, ...reply } = message
        resolve(reply as StatfsReply)
      })
    })
  }

  /** Spawns a command in its own process group from the helper. */
  run(file: string, args: readonly string[], env: NodeJS.ProcessEnv, maxBytes: number): HelperRun {
    let onSpawned!: (pid: number | undefined) => void
    let onExit!: (exit: RunExit) => void
    const spawned = new Promise<number | undefined>((resolve) => (onSpawned = resolve))
    const exited = new Promise<RunExit>((resolve) => (onExit = resolve))
    const id = this.#send({ op: 'run', file, args, env, maxBytes }, (message) => {
      if (message.op === 'spawned') return onSpawned(message.pid as number)
      this.#waiters.delete(id)
      onSpawned(undefined)
      const { id: _, op: __, gone: ___, ...exit } = message
      onExit(exit as RunExit)
    })
    return { spawned, exited }
  }

  /** SIGKILLs the helper and lets go of it: its pipes are closed, it no longer holds the event loop. */
  retire(): void {
    if (this.#retired) return
    this.#retired = true
    this.#child.kill('SIGKILL')
    this.#child.stdin!.destroy()
    this.#child.stdout!.destroy()
    this.#child.unref()
  }

  #send(request: Record<string, unknown>, waiter: Waiter): number {
    const id = this.#nextId++
    if (this.#gone !== undefined) {
      const error = this.#gone.message
      queueMicrotask(() => waiter({ error, gone: true }))
      return id
    }
    this.#waiters.set(id, waiter)
    this.#child.stdin!.write(`${JSON.stringify({ id, ...request })}\n`)
    return id
  }
}
