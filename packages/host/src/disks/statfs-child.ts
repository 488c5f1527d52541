import { type ChildProcess, spawn } from 'node:child_process'
import { STATFS_SCRIPT } from './statfs-script.js'

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

/** The helper's environment: the daemon's, less NODE_OPTIONS (a loader there would slow every start). */
function helperEnv(): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _, ...env } = process.env
  return { ...env, UV_THREADPOOL_SIZE: '4' }
}

/**
 * One long-lived helper process answering statfs requests over pipes. Retired (SIGKILLed and let
 * go of) once one of its calls hangs: the daemon never waits for it, and {@link exited} tells when
 * its hung calls have finally returned.
 */
export class StatfsChild {
  /** Resolves when the helper is ready for requests; rejects if it exits before. */
  readonly ready: Promise<void>
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>
  readonly #child: ChildProcess
  readonly #pending = new Map<number, { resolve: (r: StatfsReply) => void; reject: (e: Error) => void }>()
  #nextId = 0
  #buffered = ''
  #gone: Error | undefined
  #retired = false

  constructor() {
    this.#child = spawn(process.execPath, ['-e', STATFS_SCRIPT], {
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
      for (const { reject } of this.#pending.values()) reject(this.#gone)
      this.#pending.clear()
    }
    this.#child.once('error', fail)
    this.#child.once('exit', (code, signal) =>
      fail(new Error(`the statfs helper exited (${code ?? signal})`)),
    )
    this.#child.stdin!.on('error', () => undefined)
    this.#child.stdout!.setEncoding('utf8')
    this.#child.stdout!.on('data', (chunk: string) => {
      this.#buffered += chunk
      for (let newline = this.#buffered.indexOf('\n'); newline >= 0; newline = this.#buffered.indexOf('\n')) {
        const message = JSON.parse(this.#buffered.slice(0, newline)) as {
          id?: number
          ready?: true
        } & StatfsReply
        this.#buffered = this.#buffered.slice(newline + 1)
        if (message.ready) onReady()
        else this.#settle(message)
      }
    })
  }

  get pid(): number | undefined {
    return this.#child.pid
  }

  /** statfs(path) in the helper. Rejects if the helper dies first. */
  statfs(path: string): Promise<StatfsReply> {
    if (this.#gone !== undefined) return Promise.reject(this.#gone)
    const id = this.#nextId++
    return new Promise<StatfsReply>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      this.#child.stdin!.write(`${JSON.stringify({ id, path })}\n`)
    })
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

  #settle(message: { id?: number } & StatfsReply): void {
    const waiter = this.#pending.get(message.id!)
    if (waiter === undefined) return
    this.#pending.delete(message.id!)
    const { id: _, ...reply } = message
    waiter.resolve(reply as StatfsReply)
  }
}
