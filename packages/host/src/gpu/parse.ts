import { ParseError } from '../errors.js'

export interface Gpu {
  /** nvidia-smi's index (enumeration order, can change across reboots). */
  readonly index: number
  /** Stable identity: `GPU-xxxxxxxx-…`. */
  readonly uuid: string
  readonly name: string
  /** % of time a kernel ran over the last sample period. */
  readonly utilizationPercent: number | null
  readonly memoryUsedBytes: number | null
  readonly memoryTotalBytes: number | null
  readonly temperatureCelsius: number | null
  readonly powerWatts: number | null
}

export interface GpuProcess {
  readonly pid: number
  /** GPU memory this process holds on one GPU, bytes; null when the driver does not say (`[N/A]`). */
  readonly usedMemoryBytes: number | null
}

const MIB = 1024 * 1024

/** `[N/A]`, `[Not Supported]` and other bracketed states mean "no value"; anything else must be a number. */
function value(field: string, source: string, line: string): number | null {
  if (/^\[.*\]$/.test(field) || field === 'N/A') return null
  const n = Number(field)
  if (field === '' || !Number.isFinite(n)) throw new ParseError({ source, message: JSON.stringify(line) })
  return n
}

const mib = (n: number | null): number | null => (n === null ? null : n * MIB)

/**
 * Parses `nvidia-smi --query-gpu=index,uuid,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw
 * --format=csv,noheader,nounits` (memory in MiB, power in W, temperature in °C).
 */
export function parseGpus(text: string): Gpu[] {
  const source = 'nvidia-smi --query-gpu'
  const gpus: Gpu[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    const fields = line.split(',').map((f) => f.trim())
    if (fields.length < 8) throw new ParseError({ source, message: JSON.stringify(line) })
    // A comma inside the product name shifts nothing: the name is whatever lies between uuid and the 5 numbers.
    const [index, uuid] = fields
    const numbers = fields.slice(-5).map((f) => value(f, source, line))
    if (!/^\d+$/.test(index!) || !uuid) throw new ParseError({ source, message: JSON.stringify(line) })
    gpus.push({
      index: Number(index),
      uuid: uuid,
      name: fields.slice(2, -5).join(', '),
      utilizationPercent: numbers[0]!,
      memoryUsedBytes: mib(numbers[1]!),
      memoryTotalBytes: mib(numbers[2]!),
      temperatureCelsius: numbers[3]!,
      powerWatts: numbers[4]!,
    })
  }
  return gpus
}

/** Parses `nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits` (MiB). */
export function parseComputeApps(text: string): GpuProcess[] {
  const source = 'nvidia-smi --query-compute-apps'
  const processes: GpuProcess[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    const fields = line.split(',').map((f) => f.trim())
    if (fields.length !== 2 || !/^\d+$/.test(fields[0]!))
      throw new ParseError({ source, message: JSON.stringify(line) })
    processes.push({ pid: Number(fields[0]), usedMemoryBytes: mib(value(fields[1]!, source, line)) })
  }
  return processes
}
