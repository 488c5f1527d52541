import {
  type AggregateResult,
  FileMetadataStore,
  type QueryResult,
  type ResourceUsageHistory,
  type RollupTierSpec,
} from '@warden/store'
import { describe, InvalidOptionError } from '@warden/utils'
import { EventEmitter } from 'eventemitter3'
import type { HostSample } from '../events.js'
import { HOST_SERIES, type HostBucket, type HostPoint, hostPoint } from './columns.js'

export interface HostHistoryOptions {
  /** The host history's own store directory (not the agents' one: a directory keeps one set of columns). */
  readonly dir: string
  /** fsync journal appends and checkpoints (see @warden/store). @default true */
  readonly fsync?: boolean
  /** Raw ticks kept at full resolution. @default 1440 (4 h at the default 10 s tick) */
  readonly maxSize?: number
  /**
   * Rollup tiers, finest first, as for agents.
   * @default [{ intervalMs: 900_000, size: 672 }, { intervalMs: 3_600_000, size: 720 }] (7 days of 15 min, 30 days of 1 h)
   */
  readonly tiers?: readonly RollupTierSpec[]
}

/** A failed append of a tick's point (a full disk, a clock stepped back): the tick itself went on. */
export interface HistoryRecordFailedEvent {
  /** The tick's `at`. */
  readonly at: number
  readonly error: Error
}

export interface HostHistoryEvents {
  'record:failed': [event: HistoryRecordFailedEvent]
}

/** A query window: both bounds inclusive, ms since the epoch. */
export interface HostHistoryWindow {
  readonly since?: number
  readonly until?: number
}

export interface HostAggregateWindow extends HostHistoryWindow {
  /** Bucket width, ms (positive integer). */
  readonly intervalMs: number
}

/** The record id of the host's history in its directory. */
const ID = 'host'
const KEYS = ['dir', 'fsync', 'maxSize', 'tiers']

function check(name: string, value: unknown, positive: boolean): void {
  if (value === undefined && !positive) return
  const ok = positive
    ? Number.isSafeInteger(value) && (value as number) > 0
    : typeof value === 'number' && Number.isFinite(value)
  if (!ok) {
    throw new InvalidOptionError({
      option: name,
      value,
      message: `Expected \`${name}\` to be ${positive ? 'a positive integer number of ms' : 'ms since epoch'}, got ${describe(value)}`,
    })
  }
}

/** A query window: an object whose bounds are ms since epoch (and `intervalMs` when `aggregate`). */
function checkWindow(window: unknown, aggregate: boolean): void {
  if (window === null || typeof window !== 'object') {
    throw new InvalidOptionError({ option: 'window', expected: 'an object', value: window })
  }
  const w = window as Record<string, unknown>
  check('since', w.since, false)
  check('until', w.until, false)
  if (aggregate) check('intervalMs', w.intervalMs, true)
}

/**
 * The host's ticks kept through @warden/store: one record (`host`) of the `HOST_SERIES` columns in
 * its own store directory, with the agents' raw ring, tiers, journal, checkpoints and recovery.
 * Give it to `HostMonitor` (`history` option) and every tick's sample is recorded.
 */
export class HostHistory extends EventEmitter<HostHistoryEvents> {
  readonly #store: FileMetadataStore

  constructor(options: HostHistoryOptions) {
    super()
    if (options === null || typeof options !== 'object') {
      throw new InvalidOptionError({ option: 'options', expected: 'an object with a `dir`', value: options })
    }
    for (const key of Object.keys(options)) {
      if (!KEYS.includes(key)) {
        throw new InvalidOptionError({
          option: key,
          value: (options as unknown as Record<string, unknown>)[key],
          unknownIn: 'the host history options',
          known: KEYS,
        })
      }
    }
    const { dir, fsync, maxSize, tiers } = options
    this.#store = new FileMetadataStore({
      dir,
      ...(fsync !== undefined && { fsync }),
      history: {
        series: HOST_SERIES,
        ...(maxSize !== undefined && { maxSize }),
        ...(tiers !== undefined && { tiers }),
      },
    })
  }

  get dir(): string {
    return this.#store.dir
  }

  get isOpen(): boolean {
    return this.#store.isOpen
  }

  /** Opens the store (takes its writer lock, replays its journal). */
  open(): Promise<void> {
    return this.#store.open()
  }

  /** Waits for the records under way, checkpoints and releases the store. */
  close(): Promise<void> {
    return this.#store.close()
  }

  /**
   * Appends the tick's point; resolves once it is durable. Never rejects: a failure is emitted as
   * `record:failed`, since a tick must not fail for its history.
   */
  record(sample: HostSample): Promise<void> {
    return this.#store.appendResourceData(ID, hostPoint(sample)).catch((error: unknown) => {
      this.emit('record:failed', { at: sample.at, error: error as Error })
    })
  }

  /** Raw ticks with `since ≤ timestamp ≤ until`, oldest first. */
  async getHistory(window: HostHistoryWindow = {}): Promise<HostPoint[]> {
    checkWindow(window, false)
    return (await this.#history())?.range({ since: window.since, until: window.until }) ?? []
  }

  /**
   * Like `getHistory`, but when raw ticks no longer reach back to `since`, the finest tier that
   * does answers, one point per bucket (gauges averaged, counters at their last value); says which.
   */
  async query(window: HostHistoryWindow = {}): Promise<QueryResult<HostPoint>> {
    checkWindow(window, false)
    const history = await this.#history()
    return (
      history?.query({ since: window.since, until: window.until }) ?? {
        tier: 'raw',
        coveredSince: null,
        points: [],
      }
    )
  }

  /** Buckets of `intervalMs` (avg/min/max per gauge, rate per counter), answered by raw ticks or a tier (`tier` says which). */
  async getHistoryAggregated(window: HostAggregateWindow): Promise<AggregateResult<HostBucket>> {
    checkWindow(window, true)
    const history = await this.#history()
    if (history === undefined)
      return { intervalMs: window.intervalMs, tier: 'raw', coveredSince: null, buckets: [] }
    return history.aggregate({ since: window.since, until: window.until, intervalMs: window.intervalMs })
  }

  async #history(): Promise<ResourceUsageHistory<HostPoint, HostBucket> | undefined> {
    const meta = await this.#store.get(ID)
    // The store was made with HOST_SERIES: its histories hold host points.
    return meta?.resourceUsage as unknown as ResourceUsageHistory<HostPoint, HostBucket> | undefined
  }
}
