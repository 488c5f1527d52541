import type { CollectorErrorEvent, CollectorName, HostMonitor } from '@warden/host'
import type { CollectErrorEvent, PollReport, ResourceMonitor } from '@warden/monitor'

/** A failure as the API shows it: never the error object, whose fields may hold paths or output. */
export interface ErrorView {
  readonly code: string
  readonly message: string
  /** ms since epoch. */
  readonly at: number
}

export const errorView = (error: Error & { code?: unknown }, at: number): ErrorView => ({
  code: typeof error.code === 'string' ? error.code : 'ERR_UNKNOWN',
  message: error.message,
  at,
})

/**
 * The monitor's and the host's last ticks and last errors, kept from their events: neither has a
 * public accessor for them (wanted: `monitor.lastPoll()` and `monitor.lastError()`; the host has
 * `latest()`, but a collector's last error is gone once it recovers).
 */
export class TickTracker {
  readonly #monitor: ResourceMonitor
  readonly #host: HostMonitor | undefined
  /** ms since epoch when the tracker started: a monitor with no tick yet is judged from here. */
  readonly createdAt = Date.now()
  lastPoll: PollReport | undefined
  /** ms since epoch when the last poll was received (its `at` is when the tick began). */
  lastPollReceivedAt: number | undefined
  lastPollOkAt: number | undefined
  lastMonitorError: ErrorView | undefined
  readonly lastCollectorError = new Map<CollectorName, ErrorView>()
  readonly #onPoll = (report: PollReport): void => {
    this.lastPoll = report
    this.lastPollReceivedAt = Date.now()
    if (report.errors === 0 && report.writeErrors === 0) this.lastPollOkAt = report.at
  }
  readonly #onCollectError = ({ error }: CollectErrorEvent): void => {
    this.lastMonitorError = errorView(error, Date.now())
  }
  readonly #onCollectorError = ({ collector, error, at }: CollectorErrorEvent): void => {
    this.lastCollectorError.set(collector, errorView(error, at))
  }

  constructor(monitor: ResourceMonitor, host: HostMonitor | undefined) {
    this.#monitor = monitor
    this.#host = host
    monitor.on('poll', this.#onPoll)
    monitor.on('collect-error', this.#onCollectError)
    host?.on('collector-error', this.#onCollectorError)
  }

  close(): void {
    this.#monitor.off('poll', this.#onPoll)
    this.#monitor.off('collect-error', this.#onCollectError)
    this.#host?.off('collector-error', this.#onCollectorError)
  }
}
