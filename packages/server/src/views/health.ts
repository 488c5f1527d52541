import type { CollectorName, CollectorResult } from '@warden/host'
import type { Sources } from '../sources/sources.js'
import type { ErrorView } from '../sources/ticks.js'

export type HealthStatus = 'ok' | 'degraded' | 'failing'

export interface TickerHealth {
  readonly ok: boolean
  readonly running: boolean
  readonly intervalMs: number
  /** ms since epoch when the last tick seen began; null when none was seen yet. */
  readonly lastTickAt: number | null
  /** ms since that tick (or since the server started, when none was seen). */
  readonly tickAgeMs: number
  /** No tick for more than 3 intervals + 5 s. */
  readonly stale: boolean
}

export interface MonitorHealth extends TickerHealth {
  readonly lastTickDurationMs: number | null
  /** ms since epoch of the last tick without sampling or store errors. */
  readonly lastSuccessAt: number | null
  readonly lastError: ErrorView | null
}

export interface CollectorHealth {
  /** Succeeded, or has nothing to read on this host (`available: false`: not a failure). */
  readonly ok: boolean
  readonly available: boolean
  readonly at: number
  readonly durationMs: number
  readonly lastSuccessAt: number | null
  readonly lastError: ErrorView | null
}

export interface Health {
  readonly status: HealthStatus
  readonly time: number
  readonly monitor: MonitorHealth
  readonly host: TickerHealth | null
  readonly collectors: Partial<Record<CollectorName, CollectorHealth>>
}

const COLLECTORS: readonly CollectorName[] = ['cpu', 'memory', 'disks', 'temperature', 'gpu', 'systemd']

function ticker(
  running: boolean,
  intervalMs: number,
  lastTickAt: number | null,
  since: number,
  now: number,
): TickerHealth {
  const tickAgeMs = Math.max(0, now - (lastTickAt ?? since))
  const stale = tickAgeMs > 3 * intervalMs + 5000
  return { ok: running && !stale, running, intervalMs, lastTickAt, tickAgeMs, stale }
}

/**
 * `failing` (HTTP 503) when the monitor or the host monitor is stopped or has not ticked for
 * three intervals; `degraded` when a collector fails or the last tick had errors; else `ok`.
 */
export function health(sources: Sources, now = Date.now()): Health {
  const t = sources.ticks
  const m = sources.monitor
  const base = ticker(m.running, m.intervalMs, t.lastPoll?.at ?? null, t.createdAt, now)
  const monitor: MonitorHealth = {
    ...base,
    lastTickDurationMs: t.lastPoll?.durationMs ?? null,
    lastSuccessAt: t.lastPollOkAt ?? null,
    lastError: t.lastMonitorError ?? null,
  }
  const sample = sources.host?.latest()
  const host =
    sources.host === undefined
      ? null
      : ticker(sources.host.running, sources.host.intervalMs, sample?.at ?? null, t.createdAt, now)
  const collectors: Partial<Record<CollectorName, CollectorHealth>> = {}
  for (const name of COLLECTORS) {
    const r = sample?.[name] as CollectorResult<unknown> | undefined
    if (r === undefined) continue
    const available = r.ok || r.error.code !== 'ERR_HOST_UNAVAILABLE'
    collectors[name] = {
      ok: r.ok || !available,
      available,
      at: r.at,
      durationMs: r.durationMs,
      lastSuccessAt: r.ok ? r.at : r.lastOkAt,
      lastError: t.lastCollectorError.get(name) ?? null,
    }
  }
  const failing = !monitor.ok || (host !== null && !host.ok)
  const degraded =
    Object.values(collectors).some((c) => !c.ok) ||
    (t.lastPoll !== undefined && t.lastPoll.errors + t.lastPoll.writeErrors > 0)
  return { status: failing ? 'failing' : degraded ? 'degraded' : 'ok', time: now, monitor, host, collectors }
}
