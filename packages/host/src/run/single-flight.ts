import { type ChildProcess, spawn } from 'node:child_process'
import { CommandBusyError, CommandFailedError, CommandTimeoutError } from '../errors.js'
import { EXIT_WAIT_MS, waitAtMost } from './wait.js'

/** Runs one async job at a time: callers that arrive while it runs share its result. */
export class SingleFlight<T> {
  #running: Promise<T> | undefined

  run(job: () => Promise<T>): Promise<T> {
    this.#running ??= job().finally(() => {
      this.#running = undefined
    })
    return this.#running
  }
}

export interface CommandOutput {
  readonly stdout: string
  readonly stderr: string
}

export interface SingleFlightCommandOptions {
  /** Name for messages, e.g. `nvidia-smi`. */
  readonly name: string
  /** Absolute path of the executable. */
  readonly file: string
  /** Hard limit of one run: the process group is SIGKILLed after it. */
  readonly timeoutMs: number
  /** Environment of the command. */
  readonly env: NodeJS.ProcessEnv
  /** Most bytes of stdout kept; a run printing more is killed and failed. @default 4 MiB */
  readonly maxBytes?: number
}

interface Run {
  readonly child: ChildProcess
  readonly since: number
  killed: boolean
  /** Settles when the process has exited (or could not be started). */
  readonly exited: Promise<void>
}

/**
 * Runs a command with a hard timeout, never two processes of it at once. A run arriving while
 * another runs waits for it to exit; a run arriving while a KILLED process has not exited yet
 * (stuck in D state: a wedged driver) fails at once with `CommandBusyError` instead of piling up
 * more stuck processes.
 */
export class SingleFlightCommand {
  readonly #options: SingleFlightCommandOptions
  #current: Run | undefined

  constructor(options: SingleFlightCommandOptions) {
    this.#options = options
  }

  /** pid of the process alive now (running, or killed and not yet exited). */
  get pid(): number | undefined {
    return this.#current?.child.pid
  }

  async run(args: readonly string[]): Promise<CommandOutput> {
    while (this.#current !== undefined) {
      const current = this.#current
      if (current.killed) {
        throw new CommandBusyError({
          command: this.#options.name,
          pid: current.child.pid,
          since: current.since,
        })
      }
      await current.exited
    }
    return this.#spawn(args)
  }

  /** Kills the process alive now, if any, and waits (a bounded time) for it to exit. */
  async close(): Promise<void> {
    const current = this.#current
    if (current === undefined) return
    this.#kill(current)
    await waitAtMost(current.exited, EXIT_WAIT_MS)
  }

  #spawn(args: readonly string[]): Promise<CommandOutput> {
    const { name, file, timeoutMs, env, maxBytes = 4 * 1024 * 1024 } = this.#options
    // Own process group: a wrapper script's children are killed with it.
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true })
    let markExited!: () => void
    const run: Run = {
      child,
      since: Date.now(),
      killed: false,
      exited: new Promise<void>((resolve) => (markExited = resolve)),
    }
    this.#current = run
    const exited = (): void => {
      if (this.#current === run) this.#current = undefined
      markExited()
    }
    child.once('exit', exited)

    return new Promise<CommandOutput>((resolve, reject) => {
      const stdout: Buffer[] = []
      const stderr: Buffer[] = []
      let bytes = 0
      let settled = false
      const finish = (error: Error | undefined): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        if (error === undefined) {
          resolve({
            stdout: Buffer.concat(stdout).toString('utf8'),
            stderr: Buffer.concat(stderr).toString('utf8'),
          })
        } else reject(error)
      }
      const timer = setTimeout(() => {
        this.#kill(run)
        finish(new CommandTimeoutError({ command: name, timeoutMs, pid: child.pid }))
      }, timeoutMs)
      child.stdout!.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        if (bytes > maxBytes) {
          this.#kill(run)
          finish(new CommandFailedError({ command: name, output: `printed more than ${maxBytes} bytes` }))
        } else stdout.push(chunk)
      })
      child.stderr!.on('data', (chunk: Buffer) => {
        if (stderr.length < 64) stderr.push(chunk)
      })
      child.once('error', (cause) => {
        // Spawning failed (ENOENT, EACCES): there is no process to wait for.
        if (child.pid === undefined) exited()
        finish(new CommandFailedError({ command: name, cause }))
      })
      child.once('close', (exitCode, signal) => {
        if (exitCode === 0) return finish(undefined)
        const output = Buffer.concat(stderr).toString('utf8').trim() || Buffer.concat(stdout).toString('utf8')
        finish(new CommandFailedError({ command: name, exitCode, signal, output }))
      })
    })
  }

  /** SIGKILLs the run's process group and lets go of it: a stuck process must not hold the loop. */
  #kill(run: Run): void {
    if (run.killed) return
    run.killed = true
    const pid = run.child.pid
    if (pid !== undefined) {
      try {
        process.kill(-pid, 'SIGKILL')
      } catch {
        // Already gone.
      }
    }
    run.child.stdout?.destroy()
    run.child.stderr?.destroy()
    run.child.unref()
  }
}
