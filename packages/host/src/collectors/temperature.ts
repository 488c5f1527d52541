import { CollectorUnavailableError, ParseError } from '../errors.js'
import { ProcFile } from '../procfs/proc-file.js'
import { chooseSensor } from '../temperature/choose.js'
import { hwmonCandidates, type SensorCandidate, thermalZoneCandidates } from '../temperature/discover.js'
import type { Collector } from './types.js'

export interface TemperatureSensor {
  /** Stable identity (driver @ resolved device path : label); the path itself for `sysfsPath`. */
  readonly key: string
  readonly source: 'hwmon' | 'thermal_zone' | 'path'
  /** Driver name or thermal zone type; null for `sysfsPath`. */
  readonly chip: string | null
  readonly label: string | null
  /** The file read. */
  readonly path: string
  /** CPU-likeness 0–100; null for `sysfsPath`. */
  readonly score: number | null
}

export interface TemperatureData {
  /** The CPU temperature, °C. */
  readonly celsius: number
  readonly sensor: TemperatureSensor
}

export interface TemperatureCollectorOptions {
  readonly sysfsRoot: string
  readonly sysfsPath?: string | undefined
  readonly chip?: string | undefined
  readonly label?: string | undefined
  readonly minScore: number
}

/**
 * The CPU temperature from the most CPU-like hwmon sensor (thermal zones as the last resort),
 * chosen once and re-chosen when reading it fails. Only the chosen sensor is read each tick:
 * reading every sensor would wake sleeping disks (drivetemp) and query NVMe controllers.
 */
export class TemperatureCollector implements Collector<TemperatureData> {
  readonly name = 'temperature'
  readonly #options: TemperatureCollectorOptions
  #sensor: { readonly info: TemperatureSensor; readonly file: ProcFile } | undefined

  constructor(options: TemperatureCollectorOptions) {
    this.#options = options
  }

  collect(): TemperatureData {
    this.#sensor ??= this.#choose()
    const sensor = this.#sensor
    let text: string
    try {
      text = sensor.file.read()
    } catch (error) {
      // The device went away (module unloaded, hotplug): choose again next time.
      this.close()
      throw error
    }
    const milli = Number(text.trim())
    if (text.trim() === '' || !Number.isFinite(milli)) {
      this.close()
      throw new ParseError({ source: sensor.info.path, message: JSON.stringify(text.slice(0, 40)) })
    }
    return { celsius: milli / 1000, sensor: sensor.info }
  }

  close(): void {
    this.#sensor?.file.close()
    this.#sensor = undefined
  }

  #choose(): { info: TemperatureSensor; file: ProcFile } {
    const o = this.#options
    if (o.sysfsPath !== undefined) {
      const info: TemperatureSensor = {
        key: o.sysfsPath,
        source: 'path',
        chip: null,
        label: null,
        path: o.sysfsPath,
        score: null,
      }
      return { info, file: new ProcFile(o.sysfsPath, 64) }
    }
    const preferences = { chip: o.chip, label: o.label, minScore: o.minScore }
    const hwmon = hwmonCandidates(o.sysfsRoot)
    const chosen =
      chooseSensor(hwmon, preferences) ?? chooseSensor(thermalZoneCandidates(o.sysfsRoot), preferences)
    if (chosen === undefined) {
      throw new CollectorUnavailableError({
        collector: 'temperature',
        reason: noSensorReason(hwmon, o.minScore),
      })
    }
    return { info: infoOf(chosen), file: new ProcFile(chosen.input, 64) }
  }
}

function infoOf(c: SensorCandidate): TemperatureSensor {
  return { key: c.key, source: c.source, chip: c.chip, label: c.label, path: c.input, score: c.score }
}

function noSensorReason(hwmon: readonly SensorCandidate[], minScore: number): string {
  if (hwmon.length === 0) return 'no hwmon temperature sensor and no CPU-like thermal zone'
  const best = Math.max(...hwmon.map((c) => c.score))
  return `no sensor scores ≥ minScore ${minScore} (best: ${best}); set temperature.chip, .label or .sysfsPath`
}
