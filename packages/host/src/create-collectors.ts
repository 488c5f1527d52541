import { CpuCollector } from './collectors/cpu.js'
import { DisksCollector } from './collectors/disks.js'
import { GpuCollector } from './collectors/gpu.js'
import { MemoryCollector } from './collectors/memory.js'
import { SystemdCollector } from './collectors/systemd.js'
import { TemperatureCollector } from './collectors/temperature.js'
import type { Collector } from './collectors/types.js'
import type { CollectorTimeoutOptions, HostMonitorOptions } from './options.js'
import { Launcher } from './run/launcher.js'

/** A collector and how long a tick waits for it. */
export interface Scheduled {
  readonly collector: Collector<unknown>
  readonly timeoutMs: number
}

const DEFAULT_TIMEOUT_MS = 5000

/** The options of a collector given as `true`/`false`/object; undefined when it is turned off. */
function enabled<T extends CollectorTimeoutOptions>(value: boolean | T | undefined): T | undefined {
  if (value === false) return undefined
  return value === true || value === undefined ? ({} as T) : value
}

/** The enabled collectors, in tick order, from validated options. */
export function createCollectors(options: HostMonitorOptions): {
  readonly scheduled: readonly Scheduled[]
  readonly systemd: SystemdCollector | undefined
  /** Spawns nvidia-smi and systemctl; closed after the collectors. */
  readonly launcher: Launcher
} {
  const scheduled: Scheduled[] = []
  const launcher = new Launcher()
  const add = (collector: Collector<unknown>, o: CollectorTimeoutOptions): void => {
    scheduled.push({ collector, timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS })
  }
  const cpu = enabled(options.cpu)
  if (cpu) add(new CpuCollector(), cpu)
  const memory = enabled(options.memory)
  if (memory) add(new MemoryCollector(), memory)
  const disks = enabled(options.disks)
  if (disks) {
    add(
      new DisksCollector({ mountPoints: disks.mountPoints, statfsTimeoutMs: disks.statfsTimeoutMs ?? 2000 }),
      disks,
    )
  }
  const temperature = enabled(options.temperature)
  if (temperature) {
    const collector = new TemperatureCollector({
      sysfsRoot: temperature.sysfsRoot ?? '/sys',
      sysfsPath: temperature.sysfsPath,
      chip: temperature.chip,
      label: temperature.label,
      minScore: temperature.minScore ?? 80,
    })
    add(collector, temperature)
  }
  const gpu = typeof options.gpu === 'string' ? { mode: options.gpu } : (options.gpu ?? {})
  if (gpu.mode !== 'off') {
    add(
      new GpuCollector({
        path: gpu.path ?? process.env.PATH,
        commandTimeoutMs: gpu.commandTimeoutMs ?? 10_000,
        launcher,
      }),
      gpu,
    )
  }
  const systemdOptions = enabled(options.systemd)
  let systemd: SystemdCollector | undefined
  if (systemdOptions) {
    systemd = new SystemdCollector({
      path: systemdOptions.path ?? process.env.PATH,
      commandTimeoutMs: systemdOptions.commandTimeoutMs ?? 10_000,
      units: systemdOptions.units ?? [],
      launcher,
    })
    add(systemd, systemdOptions)
  }
  return { scheduled, systemd, launcher }
}
