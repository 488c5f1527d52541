import { type AgentMetadata, ResourceUsageHistory } from '@warden/store'

/**
 * A record that exercises every part of the file layout: metadata fields, nulls in every nullable
 * column, `processes` on some points, a counter reset, a non-integer column (not delta-encoded),
 * and raw points and both tiers past their capacity. Deterministic: its encoding is a fixture.
 */
export function goldenRecord(): AgentMetadata {
  const history = new ResourceUsageHistory({
    maxSize: 50,
    tiers: [
      { intervalMs: 300_000, size: 6 },
      { intervalMs: 900_000, size: 3 },
    ],
  })
  const t0 = 1_700_000_000_000
  for (let i = 0; i < 150; i++) {
    history.add({
      timestamp: t0 + i * 60_000,
      cpuPercent: i % 7 === 0 ? null : ((i * 37) % 100) / 3,
      memoryRss: 50_000_000 + ((i * 7919) % 1000) * 4096,
      memoryVms: 900_000_000 + i * 0.5,
      diskReadBytes: i === 80 ? 10 : i % 11 === 0 ? null : i * 4096 + (i > 80 ? 0 : 1_000_000),
      diskWriteBytes: i % 13 === 0 ? null : i * 8192,
      openFiles: i % 17 === 0 ? null : 20 + (i % 5),
      threads: i % 19 === 0 ? null : 8 + (i % 3),
      ...(i % 3 === 0 ? { processes: 1 + (i % 4) } : {}),
    })
  }
  return {
    id: 'golden-1',
    type: 'worker',
    status: 'running',
    startTime: t0,
    restartCount: 2,
    labels: { team: 'infra', tier: 'gold' },
    updatedAt: t0 + 150 * 60_000,
    lastExit: { code: 1, signal: null, at: t0 - 5000 },
    lastError: { code: 'ENOENT', message: 'spawn "x" failed', at: t0 - 4000 },
    resourceUsage: history,
  }
}

/** The journal LSN the golden file says it covers. */
export const GOLDEN_LSN = 4242
