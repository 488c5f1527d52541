import { errnoCode } from '@warden/utils'
import { CommandFailedError } from '../errors.js'
import type { Launcher } from '../run/launcher.js'
import { Unavailability } from '../run/recheck.js'
import { SingleFlight, SingleFlightCommand } from '../run/single-flight.js'
import { which } from '../run/which.js'
import {
  type ClockPair,
  type ListedUnit,
  parseListUnits,
  parseShowRecords,
  type SystemdUnit,
  UNIT_PROPERTIES,
  unitOf,
} from '../systemd/parse.js'
import type { Collector } from './types.js'

export interface SystemdData {
  /** The manager's `SystemState`: `running`, `degraded` (some unit failed), `starting`, `stopping`, … */
  readonly systemState: string
  /** Units in the `failed` state, all of them (not only the allowlist). */
  readonly failedUnits: number
  /** systemd's version string. */
  readonly version: string
  /** The allowlisted units, in the order systemctl printed them. */
  readonly units: readonly SystemdUnit[]
}

export interface SystemdCollectorOptions {
  /** The PATH searched for `systemctl`. */
  readonly path: string | undefined
  readonly commandTimeoutMs: number
  /** Spawns the command off the daemon's event loop (shared with the other command collectors). */
  readonly launcher: Launcher
  /** Units to describe each tick. */
  readonly units: readonly string[]
}

/** What systemctl prints when there is no systemd to talk to (a container, another init). */
const NO_SYSTEMD = /not been booted with systemd|Failed to connect to bus|Failed to get D-Bus connection/

/** CLOCK_MONOTONIC now: libuv's hrtime reads that clock, which systemd's monotonic stamps count. */
function clockPair(): ClockPair {
  return { wallMs: Date.now(), monotonicUs: Number(process.hrtime.bigint() / 1000n) }
}

/**
 * Allowlisted units via `systemctl show`, and the manager's state, with the same discipline as
 * nvidia-smi: one systemctl at a time, killed after `commandTimeoutMs`. No systemctl, or no
 * systemd running, is `unavailable`, looked at again once a minute.
 */
export class SystemdCollector implements Collector<SystemdData> {
  readonly name = 'systemd'
  readonly #options: SystemdCollectorOptions
  readonly #flight = new SingleFlight<SystemdData>()
  readonly #discovery = new SingleFlight<ListedUnit[]>()
  readonly #unavailable: Unavailability = new Unavailability('systemd')
  #command: SingleFlightCommand | undefined

  constructor(options: SystemdCollectorOptions) {
    this.#options = options
  }

  collect(): Promise<SystemdData> {
    return this.#flight.run(async () => {
      const manager = parseShowRecords(await this.#run(['show', '-p', 'Version,SystemState,NFailedUnits']))[0]
      const units =
        this.#options.units.length === 0
          ? []
          : parseShowRecords(
              await this.#run(['show', '-p', UNIT_PROPERTIES.join(','), '--', ...this.#options.units]),
            )
      const clock = clockPair()
      return {
        systemState: manager?.get('SystemState') ?? 'unknown',
        failedUnits: Number(manager?.get('NFailedUnits') ?? 0),
        version: manager?.get('Version') ?? '',
        units: units.map((record) => unitOf(record, clock)),
      }
    })
  }

  /** Every service unit systemd knows (`systemctl list-units --type=service --all`). */
  discover(): Promise<ListedUnit[]> {
    return this.#discovery.run(async () =>
      parseListUnits(await this.#run(['list-units', '--type=service', '--all', '--plain', '--no-legend'])),
    )
  }

  close(): Promise<void> | undefined {
    return this.#command?.close()
  }

  async #run(args: readonly string[]): Promise<string> {
    const command = this.#resolve()
    try {
      return (await command.run(args)).stdout
    } catch (error) {
      if (error instanceof CommandFailedError) {
        if (errnoCode(error.cause) === 'ENOENT') {
          this.#command = undefined
          this.#unavailable.fail('systemctl is not on PATH')
        }
        if (NO_SYSTEMD.test(error.output)) this.#unavailable.fail(error.output.split('\n')[0]!)
      }
      throw error
    }
  }

  #resolve(): SingleFlightCommand {
    this.#unavailable.check()
    if (this.#command !== undefined) return this.#command
    const file = which('systemctl', this.#options.path)
    if (file === undefined) this.#unavailable.fail('systemctl is not on PATH')
    this.#command = new SingleFlightCommand({
      name: 'systemctl',
      file,
      timeoutMs: this.#options.commandTimeoutMs,
      launcher: this.#options.launcher,
      env: {
        ...process.env,
        PATH: this.#options.path ?? '',
        LC_ALL: 'C',
        SYSTEMD_PAGER: '',
        SYSTEMD_COLORS: '0',
      },
    })
    return this.#command
  }
}
