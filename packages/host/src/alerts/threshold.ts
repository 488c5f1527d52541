import { checkThreshold, type ThresholdLines } from '@warden/utils'
import { type CollectorName, InvalidOptionError } from '../errors.js'
import { DISK_KEY, HOST_RESOURCES, type HostResource } from './resources.js'

/**
 * Lines the host must stay under; a value is over when strictly greater. Resources left
 * undefined are not watched. One `durationMs`/`repeatMs` for all.
 */
export interface HostThreshold {
  /** % busy of all cpus together (0–100). */
  readonly cpuPercent?: number
  /** 1-minute load average (runnable + uninterruptible tasks). */
  readonly load1?: number
  /** % of memory used: (MemTotal − MemAvailable) / MemTotal. */
  readonly memoryUsedPercent?: number
  /** Swap in use, bytes. */
  readonly swapUsedBytes?: number
  /** PSI `some avg10` of /proc/pressure/cpu: % of the last 10 s some task waited for a cpu. */
  readonly psiCpuSome10?: number
  /** PSI `some avg10` of /proc/pressure/memory. */
  readonly psiMemorySome10?: number
  /** PSI `some avg10` of /proc/pressure/io. */
  readonly psiIoSome10?: number
  /** The CPU temperature, °C. */
  readonly temperatureC?: number
  /** `disk:<mount point>`, e.g. `'disk:/'`: % of that filesystem used (as `df` counts it). */
  readonly [disk: `disk:/${string}`]: number | undefined
  /** How long a resource must stay over its line, from the first sample over it, before `threshold:error`, ms (0..2³¹−1). */
  readonly durationMs: number
  /** Repeat `threshold:error` every `repeatMs` while the episode stays firing (ms, ≤ 2³¹−1). @default undefined (once) */
  readonly repeatMs?: number
}

const NAMES = [...Object.keys(HOST_RESOURCES), 'disk:<mount point>']

/**
 * Checks a host threshold (`option` names it in errors) and returns a frozen copy. A line for a
 * collector that is off is rejected: it could never alert.
 */
export function validateHostThreshold(
  input: unknown,
  option: string,
  enabled: (collector: CollectorName) => boolean,
): HostThreshold {
  const fail = (field: string, value: unknown, message: string): never => {
    throw new InvalidOptionError({
      option: field === 'threshold' ? option : `${option}.${field}`,
      value,
      message,
    })
  }
  const t = checkThreshold<HostThreshold>(input, {
    isResource: (key) => Object.hasOwn(HOST_RESOURCES, key) || DISK_KEY.test(key),
    resourceNames: NAMES,
    where: `\`${option}\` option`,
    fail,
  })
  for (const key of Object.keys(t)) {
    const collector: CollectorName | undefined = DISK_KEY.test(key)
      ? 'disks'
      : HOST_RESOURCES[key as keyof typeof HOST_RESOURCES]
    if (collector !== undefined && !enabled(collector)) {
      fail(
        key,
        t[key as keyof HostThreshold],
        `\`${option}.${key}\` needs the ${collector} collector, which is off`,
      )
    }
  }
  return t
}

/** The lines of `disk:` subjects: `diskUsedPercent` under each mount's key. */
export function diskLines(t: HostThreshold): Map<`disk:${string}`, ThresholdLines<HostResource>> {
  const out = new Map<`disk:${string}`, ThresholdLines<HostResource>>()
  for (const [key, line] of Object.entries(t)) {
    if (!DISK_KEY.test(key) || line === undefined) continue
    out.set(key as `disk:${string}`, {
      diskUsedPercent: line,
      durationMs: t.durationMs,
      repeatMs: t.repeatMs,
    })
  }
  return out
}
