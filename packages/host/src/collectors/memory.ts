import { parseMeminfo } from '../procfs/meminfo.js'
import { ProcFile } from '../procfs/proc-file.js'
import type { Collector } from './types.js'

export interface MemoryData {
  /** MemTotal, bytes. */
  readonly totalBytes: number
  /** MemAvailable: what can be allocated without swapping, bytes. */
  readonly availableBytes: number
  /** totalBytes − availableBytes, bytes. */
  readonly usedBytes: number
  /** usedBytes / totalBytes × 100. */
  readonly usedPercent: number
  /** MemFree: not used at all (page cache excluded), bytes. */
  readonly freeBytes: number
  /** Buffers + Cached, bytes. */
  readonly cacheBytes: number
  /** SwapTotal, bytes (0 without swap). */
  readonly swapTotalBytes: number
  /** SwapTotal − SwapFree, bytes. */
  readonly swapUsedBytes: number
  /** swapUsedBytes / swapTotalBytes × 100; null without swap. */
  readonly swapUsedPercent: number | null
}

/** /proc/meminfo through a cached fd. */
export class MemoryCollector implements Collector<MemoryData> {
  readonly name = 'memory'
  readonly #meminfo = new ProcFile('/proc/meminfo', 8192)

  collect(): MemoryData {
    const m = parseMeminfo(this.#meminfo.read())
    const field = (name: string): number => m.get(name) ?? 0
    const total = field('MemTotal')
    const cache = field('Buffers') + field('Cached')
    // Kernels before 3.14 have no MemAvailable: free + page cache is the old estimate.
    const available = m.get('MemAvailable') ?? field('MemFree') + cache
    const used = Math.max(0, total - available)
    const swapTotal = field('SwapTotal')
    const swapUsed = Math.max(0, swapTotal - field('SwapFree'))
    return {
      totalBytes: total,
      availableBytes: available,
      usedBytes: used,
      usedPercent: total === 0 ? 0 : (used / total) * 100,
      freeBytes: field('MemFree'),
      cacheBytes: cache,
      swapTotalBytes: swapTotal,
      swapUsedBytes: swapUsed,
      swapUsedPercent: swapTotal === 0 ? null : (swapUsed / swapTotal) * 100,
    }
  }

  close(): void {
    this.#meminfo.close()
  }
}
