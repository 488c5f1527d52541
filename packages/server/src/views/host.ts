import type { CollectorName, CollectorResult, HostSample } from '@warden/host'
import { type ErrorView, errorView } from '../sources/ticks.js'

export type CollectorView =
  | { readonly ok: true; readonly at: number; readonly durationMs: number; readonly data: unknown }
  | {
      readonly ok: false
      readonly at: number
      readonly durationMs: number
      readonly lastOkAt: number | null
      readonly error: ErrorView
    }

export interface HostView {
  /** ms since epoch when the host's last tick began. */
  readonly at: number
  readonly durationMs: number
  /** Every enabled collector's latest result. */
  readonly collectors: Partial<Record<CollectorName, CollectorView>>
}

const COLLECTORS: readonly CollectorName[] = ['cpu', 'memory', 'disks', 'temperature', 'gpu', 'systemd']

export function collectorView(r: CollectorResult<unknown>): CollectorView {
  return r.ok
    ? { ok: true, at: r.at, durationMs: r.durationMs, data: r.data }
    : { ok: false, at: r.at, durationMs: r.durationMs, lastOkAt: r.lastOkAt, error: errorView(r.error, r.at) }
}

/** The host's latest sample, errors as `{ code, message, at }`; null before its first tick. */
export function hostView(sample: HostSample | undefined): HostView | null {
  if (sample === undefined) return null
  const collectors: Partial<Record<CollectorName, CollectorView>> = {}
  for (const name of COLLECTORS) {
    const r = sample[name] as CollectorResult<unknown> | undefined
    if (r !== undefined) collectors[name] = collectorView(r)
  }
  return { at: sample.at, durationMs: sample.durationMs, collectors }
}
