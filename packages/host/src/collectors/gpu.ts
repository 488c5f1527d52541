import { errnoCode } from '@warden/utils'
import { CommandFailedError } from '../errors.js'
import { type Gpu, type GpuProcess, parseComputeApps, parseGpus } from '../gpu/parse.js'
import type { Launcher } from '../run/launcher.js'
import { Unavailability } from '../run/recheck.js'
import { SingleFlight, SingleFlightCommand } from '../run/single-flight.js'
import { which } from '../run/which.js'
import type { Collector } from './types.js'

export interface GpuData {
  readonly gpus: readonly Gpu[]
  /** Processes holding GPU memory (`--query-compute-apps`), one entry per process and GPU. */
  readonly processes: readonly GpuProcess[]
}

export interface GpuCollectorOptions {
  /** The PATH searched for `nvidia-smi`. */
  readonly path: string | undefined
  /** Hard limit of one nvidia-smi run, ms: it is SIGKILLed after. */
  readonly commandTimeoutMs: number
  /** Spawns the command off the daemon's event loop (shared with the other command collectors). */
  readonly launcher: Launcher
}

const QUERY_GPUS = [
  '--query-gpu=index,uuid,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw',
  '--format=csv,noheader,nounits',
]
const QUERY_APPS = ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits']

/**
 * NVIDIA GPUs through nvidia-smi, run in the background: one query at a time (ticks that come
 * while it runs share it), each nvidia-smi killed after `commandTimeoutMs`, and none started
 * while a killed one has not exited (a wedged driver leaves it in D state).
 */
export class GpuCollector implements Collector<GpuData> {
  readonly name = 'gpu'
  readonly #options: GpuCollectorOptions
  readonly #flight = new SingleFlight<GpuData>()
  readonly #unavailable: Unavailability = new Unavailability('gpu')
  #command: SingleFlightCommand | undefined

  constructor(options: GpuCollectorOptions) {
    this.#options = options
  }

  collect(): Promise<GpuData> {
    return this.#flight.run(() => this.#query())
  }

  close(): Promise<void> | undefined {
    return this.#command?.close()
  }

  async #query(): Promise<GpuData> {
    const command = this.#resolve()
    try {
      const gpus = parseGpus((await command.run(QUERY_GPUS)).stdout)
      const processes = parseComputeApps((await command.run(QUERY_APPS)).stdout)
      return { gpus, processes }
    } catch (error) {
      // Uninstalled since it was found: unavailable again, not an error every tick.
      if (error instanceof CommandFailedError && errnoCode(error.cause) === 'ENOENT') {
        this.#command = undefined
        this.#unavailable.fail('nvidia-smi is not on PATH')
      }
      throw error
    }
  }

  #resolve(): SingleFlightCommand {
    if (this.#command !== undefined) return this.#command
    this.#unavailable.check()
    const file = which('nvidia-smi', this.#options.path)
    if (file === undefined) this.#unavailable.fail('nvidia-smi is not on PATH')
    this.#command = new SingleFlightCommand({
      name: 'nvidia-smi',
      file,
      timeoutMs: this.#options.commandTimeoutMs,
      launcher: this.#options.launcher,
      env: { ...process.env, PATH: this.#options.path ?? '', LC_ALL: 'C' },
    })
    return this.#command
  }
}
