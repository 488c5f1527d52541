import { CommandBusyError, CommandFailedError, CommandTimeoutError } from '../errors.js'
import type { Launcher } from './launcher.js'
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
  /** Spawns the command (from a helper process, off the daemon's event loop). */
  readonly launcher: Launcher
  /** Most bytes of stdout kept; a run printing more is killed and failed. @default 4 MiB */
  readonly maxBytes?: number
}

interface Run {
  pid: number | undefined
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
    return this.#current?.pid
  }

  async run(args: readonly string[]): Promise<CommandOutput> {
    while (this.#current !== undefined) {
      const current = this.#current
      if (current.killed) {
        throw new CommandBusyError({ command: this.#options.name, pid: current.pid, since: current.since })
      }
      await current.exited
    }
    return this.#start(args)
  }

  /** Kills the process alive now, if any, and waits (a bounded time) for it to exit. */
  async close(): Promise<void> {
    const current = this.#current
    if (current === undefined) return
    this.#kill(current)
    await waitAtMost(current.exited, EXIT_WAIT_MS)
  }

  #start(args: readonly string[]): Promise<CommandOutput> {
    const { name, file, timeoutMs, env, launcher, maxBytes = 4 * 1024 * 1024 } = this.#options
    const launched = launcher.run(file, args, env, maxBytes)
    const run: Run = {
      pid: undefined,
      since: Date.now(),
      killed: false,
      exited: launched.exited.then(() => undefined),
    }
    this.#current = run
    void run.exited.then(() => {
      if (this.#current === run) this.#current = undefined
    })
    void launched.spawned.then((pid) => {
      run.pid = pid
      // Killed before the helper reported the pid.
      if (run.killed) this.#signal(pid)
    })
    return new Promise<CommandOutput>((resolve, reject) => {
      let settled = false
      const timer = setTimeout(() => {
        settled = true
        this.#kill(run)
        reject(new CommandTimeoutError({ command: name, timeoutMs, pid: run.pid }))
      }, timeoutMs)
      void launched.exited.then((exit) => {
        clearTimeout(timer)
        if (settled) return
        if (exit.error !== undefined) {
          const cause = Object.assign(new Error(`spawn ${file} ${exit.error}`), { code: exit.error })
          reject(new CommandFailedError({ command: name, cause }))
        } else if (exit.overflow) {
          reject(new CommandFailedError({ command: name, output: `printed more than ${maxBytes} bytes` }))
        } else if (exit.code === 0) {
          resolve({ stdout: exit.stdout, stderr: exit.stderr })
        } else {
          const output = exit.stderr.trim() || exit.stdout
          reject(new CommandFailedError({ command: name, exitCode: exit.code, signal: exit.signal, output }))
        }
      })
    })
  }

  /** SIGKILLs the run's process group: a wrapper script's children die with it. */
  #kill(run: Run): void {
    if (run.killed) return
    run.killed = true
    this.#signal(run.pid)
  }

  #signal(pid: number | undefined): void {
    if (pid === undefined) return
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
}
