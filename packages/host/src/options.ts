import type { HostThreshold } from './alerts/threshold.js'
import type { HostSample } from './events.js'
import type { HostHistory } from './history/host-history.js'

export interface CollectorTimeoutOptions {
  /** How long a tick waits for this collector before reporting it failed (`ERR_HOST_COLLECTOR_TIMEOUT`), ms. @default 5000 */
  readonly timeoutMs?: number
}

export interface DisksOptions extends CollectorTimeoutOptions {
  /** Paths to report. @default every real filesystem in /proc/self/mountinfo, once each */
  readonly mountPoints?: readonly string[]
  /** How long one statfs may take before its mount is reported `error: 'timeout'` and not asked again until it returns, ms. @default 2000 */
  readonly statfsTimeoutMs?: number
}

export interface TemperatureOptions extends CollectorTimeoutOptions {
  /** Where sysfs is mounted (tests point it at a fake tree). @default '/sys' */
  readonly sysfsRoot?: string
  /** Read this file (millidegrees Celsius) instead of choosing a sensor, e.g. `/sys/class/hwmon/hwmon3/temp1_input`. */
  readonly sysfsPath?: string
  /** Prefer sensors whose driver name contains this (case-insensitive), e.g. `coretemp`. */
  readonly chip?: string
  /** Prefer sensors whose label contains this (case-insensitive), e.g. `package`. */
  readonly label?: string
  /** Lowest CPU-likeness score (0–100) auto-selection trusts. @default 80 */
  readonly minScore?: number
}

export interface GpuOptions extends CollectorTimeoutOptions {
  /** `auto`: use nvidia-smi when it is on PATH, else report `unavailable`; `off`: no GPU collector. @default 'auto' */
  readonly mode?: 'auto' | 'off'
  /** The PATH searched for nvidia-smi. @default process.env.PATH */
  readonly path?: string
  /** Hard limit of one nvidia-smi run; it is SIGKILLed after, ms. @default 10000 */
  readonly commandTimeoutMs?: number
}

export interface SystemdOptions extends CollectorTimeoutOptions {
  /** Units described each tick (`systemctl show`), e.g. `['nginx.service']`. @default [] */
  readonly units?: readonly string[]
  /** The PATH searched for systemctl. @default process.env.PATH */
  readonly path?: string
  /** Hard limit of one systemctl run; it is SIGKILLed after, ms. @default 10000 */
  readonly commandTimeoutMs?: number
}

/** The clocks of the ticks and alerts (a testing hook). */
export interface HostClock {
  /** Wall clock, ms since epoch: the tick's `at`, alerts' `since` and `at`. @default Date.now */
  readonly now?: () => number
  /** Monotonic clock, ms from any origin: alerts' `durationMs`, `repeatMs`, `exceededForMs`. @default performance.now */
  readonly monotonic?: () => number
}

export interface HostMonitorOptions {
  /** ms between ticks (positive integer ≤ 2³¹−1). @default 10000 */
  readonly intervalMs?: number
  /** `/proc/stat` usage, load averages, pressure. `false` turns it off. @default true */
  readonly cpu?: boolean | CollectorTimeoutOptions
  /** `/proc/meminfo`. @default true */
  readonly memory?: boolean | CollectorTimeoutOptions
  /** statfs of mounts, in a helper process. @default true */
  readonly disks?: boolean | DisksOptions
  /** The CPU temperature from hwmon / thermal zones. @default true */
  readonly temperature?: boolean | TemperatureOptions
  /** NVIDIA GPUs through nvidia-smi. @default 'auto' */
  readonly gpu?: 'auto' | 'off' | GpuOptions
  /** systemd's state and allowlisted units through systemctl. @default true */
  readonly systemd?: boolean | SystemdOptions
  /**
   * Called once per tick with the complete sample, after `latest()` has it and before `sample` is
   * emitted: where threshold evaluation and history plug in. A throw is re-raised out of band,
   * like a throwing listener; it never fails the tick.
   * @default undefined
   */
  readonly evaluate?: (sample: HostSample) => void
  /**
   * Lines the host must stay under for `threshold:*` alerts (see `HostThreshold`); change it with
   * `setThreshold`. A line for a collector that is off is rejected.
   * @default undefined (no alerts)
   */
  readonly threshold?: HostThreshold
  /**
   * Testing hook. `{ now, monotonic }`; a bare function is one simulated clock for both.
   * @default { now: Date.now, monotonic: performance.now }
   */
  readonly clock?: (() => number) | HostClock
  /**
   * Where each tick's numeric values are kept (7 days by default), for `getHistory()` and
   * `getHistoryAggregated()`. The caller opens and closes it.
   * @default undefined (no history)
   */
  readonly history?: HostHistory
}
