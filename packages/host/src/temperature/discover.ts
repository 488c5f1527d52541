import { readdirSync, readFileSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { hwmonScore, thermalZoneScore } from './score.js'

/** One temperature input that could be the CPU's. */
export interface SensorCandidate {
  /**
   * Stable identity: driver name, resolved device path (relative to the sysfs root) and label,
   * e.g. `coretemp@/devices/platform/coretemp.0:Package id 0`. Never `hwmonN`, which changes
   * with module load order.
   */
  readonly key: string
  readonly source: 'hwmon' | 'thermal_zone'
  /** Driver name (hwmon `name`) or thermal zone `type`. */
  readonly chip: string
  /** `tempN_label`, or null when the driver gives none. */
  readonly label: string | null
  /** The file holding millidegrees Celsius. */
  readonly input: string
  /** Resolved device path relative to the sysfs root, e.g. `/devices/platform/coretemp.0`. */
  readonly device: string
  /** How CPU-like it is, 0–100. */
  readonly score: number
}

const readTrimmed = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch {
    return undefined
  }
}

const list = (dir: string): string[] => {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

/** `path` resolved, relative to the resolved sysfs root. */
function relativeReal(root: string, path: string): string | undefined {
  try {
    const real = realpathSync(path)
    return real.startsWith(root) ? real.slice(root.length) || '/' : real
  } catch {
    return undefined
  }
}

/** Every `temp*_input` of every hwmon device under `sysfsRoot`. */
export function hwmonCandidates(sysfsRoot: string): SensorCandidate[] {
  const root = relativeRealRoot(sysfsRoot)
  const out: SensorCandidate[] = []
  const classDir = join(sysfsRoot, 'class', 'hwmon')
  for (const entry of list(classDir).sort()) {
    const hwmon = join(classDir, entry)
    // Kernels before 3.x kept the attributes in the device directory.
    const dir = readTrimmed(join(hwmon, 'name')) === undefined ? join(hwmon, 'device') : hwmon
    const chip = readTrimmed(join(dir, 'name'))
    if (chip === undefined) continue
    // A virtual hwmon (no device link) is keyed by its own directory.
    const device = relativeReal(root, join(hwmon, 'device')) ?? relativeReal(root, hwmon) ?? hwmon
    for (const file of list(dir)) {
      const m = /^temp(\d+)_input$/.exec(file)
      if (m === null) continue
      const label = readTrimmed(join(dir, `temp${m[1]}_label`)) ?? null
      out.push({
        key: `${chip}@${device}:${label ?? `temp${m[1]}`}`,
        source: 'hwmon',
        chip,
        label,
        input: join(dir, file),
        device,
        score: hwmonScore(chip, label),
      })
    }
  }
  return out
}

/** Every `/sys/class/thermal/thermal_zone*` with a type and a temp. */
export function thermalZoneCandidates(sysfsRoot: string): SensorCandidate[] {
  const root = relativeRealRoot(sysfsRoot)
  const classDir = join(sysfsRoot, 'class', 'thermal')
  const out: SensorCandidate[] = []
  for (const entry of list(classDir).sort()) {
    if (!entry.startsWith('thermal_zone')) continue
    const dir = join(classDir, entry)
    const type = readTrimmed(join(dir, 'type'))
    if (type === undefined) continue
    const device = relativeReal(root, dir) ?? dir
    out.push({
      key: `${type}@${device}`,
      source: 'thermal_zone',
      chip: type,
      label: null,
      input: join(dir, 'temp'),
      device,
      score: thermalZoneScore(type),
    })
  }
  return out
}

function relativeRealRoot(sysfsRoot: string): string {
  try {
    return realpathSync(sysfsRoot)
  } catch {
    return sysfsRoot
  }
}
