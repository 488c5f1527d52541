import { type LoadAverage, parseLoadavg } from '../procfs/loadavg.js'
import { type Pressure, parsePressure } from '../procfs/pressure.js'
import { ProcFile } from '../procfs/proc-file.js'
import { type CpuTimes, parseProcStat } from '../procfs/stat.js'
import { type CpuModes, cpuUsage } from './cpu-usage.js'
import type { Collector } from './types.js'

export interface CoreUsage {
  /** The cpu number (`cpuN` in /proc/stat). */
  readonly cpu: number
  /** % busy of this cpu since the previous reading; null on its first reading. */
  readonly usagePercent: number | null
}

export interface CpuData {
  /** Online cpus (cpu lines in /proc/stat). */
  readonly cores: number
  /** % busy of all cpus together since the previous reading (0–100); null on the first. */
  readonly usagePercent: number | null
  /** % of all cpu time per mode since the previous reading; null on the first. */
  readonly modes: CpuModes | null
  readonly perCore: readonly CoreUsage[]
  readonly load: LoadAverage
  /** Pressure stall information; a resource is null when its /proc/pressure file is absent. */
  readonly pressure: {
    readonly cpu: Pressure | null
    readonly memory: Pressure | null
    readonly io: Pressure | null
  }
}

/** /proc/stat deltas, /proc/loadavg and /proc/pressure/*, read through cached fds. */
export class CpuCollector implements Collector<CpuData> {
  readonly name = 'cpu'
  readonly #stat = new ProcFile('/proc/stat', 16 * 1024)
  readonly #loadavg = new ProcFile('/proc/loadavg', 256)
  readonly #pressure = {
    cpu: new ProcFile('/proc/pressure/cpu', 512),
    memory: new ProcFile('/proc/pressure/memory', 512),
    io: new ProcFile('/proc/pressure/io', 512),
  }
  #previous: { total: CpuTimes; cores: ReadonlyMap<number, CpuTimes> } | undefined

  collect(): CpuData {
    const next = parseProcStat(this.#stat.read('\nintr'))
    const previous = this.#previous
    this.#previous = next
    const total = previous === undefined ? null : cpuUsage(previous.total, next.total)
    const perCore: CoreUsage[] = []
    for (const [cpu, times] of next.cores) {
      const before = previous?.cores.get(cpu)
      perCore.push({
        cpu,
        usagePercent: before === undefined ? null : (cpuUsage(before, times)?.usagePercent ?? null),
      })
    }
    return {
      cores: next.cores.size,
      usagePercent: total?.usagePercent ?? null,
      modes: total?.modes ?? null,
      perCore,
      load: parseLoadavg(this.#loadavg.read()),
      pressure: {
        cpu: readPressure(this.#pressure.cpu),
        memory: readPressure(this.#pressure.memory),
        io: readPressure(this.#pressure.io),
      },
    }
  }

  /** Closes the cached fds and forgets the previous reading: the next usage is null again. */
  close(): void {
    this.#previous = undefined
    for (const file of [this.#stat, this.#loadavg, ...Object.values(this.#pressure)]) file.close()
  }
}

/** null when the kernel has no PSI (before 4.20, or booted with psi=0: ENOENT / EOPNOTSUPP). */
function readPressure(file: ProcFile): Pressure | null {
  let text: string
  try {
    text = file.read()
  } catch {
    file.close()
    return null
  }
  return parsePressure(text, file.path)
}
