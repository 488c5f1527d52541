import { HelperProcess, type HelperRun } from '../helper/helper-process.js'
import { EXIT_WAIT_MS, waitAtMost } from './wait.js'

/**
 * Starts commands from a long-lived helper process (started on first use, restarted if it died),
 * so the daemon's event loop never blocks in spawn(). One per HostMonitor, shared by the gpu and
 * systemd collectors.
 */
export class Launcher {
  #helper: HelperProcess | undefined

  /** The helper's pid; undefined before the first run or after close(). */
  get pid(): number | undefined {
    return this.#helper?.pid
  }

  run(file: string, args: readonly string[], env: NodeJS.ProcessEnv, maxBytes: number): HelperRun {
    if (this.#helper?.gone) this.#helper = undefined
    this.#helper ??= new HelperProcess()
    return this.#helper.run(file, args, env, maxBytes)
  }

  /** Stops the helper (kill the commands first: those still running are orphaned). */
  async close(): Promise<void> {
    const helper = this.#helper
    this.#helper = undefined
    if (helper === undefined) return
    helper.retire()
    await waitAtMost(helper.exited, EXIT_WAIT_MS)
  }
}
