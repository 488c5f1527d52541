import { type AgentMetadata, type ResourceDataPoint, ResourceUsageHistory } from '@warden/store'

import { seededRandom as prng } from '../../../../test/helpers/random.js'

/** A seeded generator (mulberry32): a failing case is reproduced from its seed. */
export { prng }

/**
 * A record with a random history: sizes on both sides of the encoder's chunk sizes, random gaps,
 * nulls, `processes` on some points, counter resets, noisy floats and integers, text with
 * non-ASCII characters and JSON escapes in the metadata.
 */
export function randomRecord(seed: number): AgentMetadata {
  const r = prng(seed)
  const int = (n: number) => Math.floor(r() * n)
  // Big: more raw points than a column chunk, more tier data than a base64 chunk.
  const big = r() < 0.25
  const maxSize = big ? 2049 + int(3000) : 1 + int(1500)
  const tiers: { intervalMs: number; size: number }[] = []
  for (let i = int(3) + (big ? 1 : 0), interval = 0; i > 0; i--) {
    interval += 60_000 * (1 + int(big ? 2 : 5))
    tiers.push({ intervalMs: interval, size: 1 + int(big ? 1000 : 50) })
  }
  const history = new ResourceUsageHistory({ maxSize, tiers })
  const nulls = r() * 0.3
  const value = (v: number) => (r() < nulls ? null : v)
  let t = 1_600_000_000_000 + int(1e9)
  let read = int(1e9)
  let written = int(1e9)
  for (let i = int(maxSize * 1.5) + 1; i > 0; i--) {
    t += r() < 0.05 ? int(3_600_000) : 60_000 + int(2000) - 1000
    read = r() < 0.01 ? int(1000) : read + int(1e6)
    written += int(5e5)
    const p: ResourceDataPoint = {
      timestamp: t,
      cpuPercent: value(r() * 400),
      memoryRss: int(8e9),
      memoryVms: value(r() < 0.5 ? int(3e10) : r() * 3e10),
      diskReadBytes: value(read),
      diskWriteBytes: value(written),
      openFiles: value(int(65_536)),
      threads: value(1 + int(2000)),
      ...(r() < 0.2 ? { processes: 1 + int(50) } : {}),
    }
    history.add(p)
  }
  return {
    id: `agent-${seed}`,
    type: 'worker',
    status: r() < 0.5 ? 'running' : 'stopped',
    startTime: t - int(1e9),
    restartCount: int(100),
    labels: { team: `équipe "${int(10)}"\n`, emoji: '🐝' },
    updatedAt: t,
    resourceUsage: history,
  }
}
