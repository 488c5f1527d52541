import type { Supervisor, SupervisorEvents } from '@warden/core'
import type { MonitorEvents, ResourceMonitor } from '@warden/monitor'
import type { EventFile } from './event-file.js'

/** One lifecycle or alert event, serialized once for every stream. */
export interface LoggedEvent {
  /** Rising from 1 for this server: the SSE `id`, so a client can resume with `Last-Event-ID`. */
  readonly seq: number
  /** `agent:start`, `agent:exit`, …, `threshold:warning`, …, `monitor:restart`. */
  readonly name: string
  readonly agent: string
  /** ms since epoch when the server saw it (the packages' payloads carry no time). */
  readonly time: number
  /** The payload as JSON (errors as `{ code, message }`). */
  readonly data: string
}

const SUPERVISOR_EVENTS = [
  'agent:start',
  'agent:exit',
  'agent:backoff',
  'agent:restart',
  'agent:fatal',
  'agent:status',
] as const satisfies ReadonlyArray<keyof SupervisorEvents>
const MONITOR_EVENTS = {
  'threshold:warning': 'threshold:warning',
  'threshold:error': 'threshold:error',
  'threshold:resolved': 'threshold:resolved',
  restart: 'monitor:restart',
} as const satisfies Partial<Record<keyof MonitorEvents, string>>

/** How many events a server keeps by default (`keptEvents`). */
export const DEFAULT_KEPT_EVENTS = 1000

/** Every event name `/v1/events` sends. */
export const EVENT_NAMES: readonly string[] = [...SUPERVISOR_EVENTS, ...Object.values(MONITOR_EVENTS)]

const replacer = (_key: string, value: unknown): unknown =>
  value instanceof Error
    ? { code: (value as { code?: unknown }).code ?? 'ERR_UNKNOWN', message: value.message }
    : value

/** An event's payload as `/v1/events` sends it: JSON, errors as `{ code, message }`. */
export function eventJSON(payload: object): string {
  return JSON.stringify(payload, replacer)
}

/**
 * Calls `onEvent` with each lifecycle event of the supervisor and alert event of the monitor
 * (named as `/v1/events` names them) until the returned function is called.
 */
export function watchEvents(
  supervisor: Supervisor,
  monitor: ResourceMonitor,
  onEvent: (name: string, agent: string, payload: object) => void,
): () => void {
  const detach: (() => void)[] = []
  for (const name of SUPERVISOR_EVENTS) {
    const listener = (event: { readonly id: string }): void => onEvent(name, event.id, event)
    supervisor.on(name, listener)
    detach.push(() => supervisor.off(name, listener))
  }
  for (const [source, name] of Object.entries(MONITOR_EVENTS) as [keyof typeof MONITOR_EVENTS, string][]) {
    const listener = (event: { readonly agentId: string }): void => onEvent(name, event.agentId, event)
    monitor.on(source, listener)
    detach.push(() => monitor.off(source, listener))
  }
  return () => {
    for (const d of detach.splice(0)) d()
  }
}

/**
 * The supervisor's lifecycle events and the monitor's alert events, as they happen, numbered and
 * kept in a ring of the last `keep` so a reconnecting client misses nothing recent and the
 * dashboard can place past lifecycle and alert markers.
 */
export class EventLog {
  readonly #ring: LoggedEvent[] = []
  readonly #keep: number
  readonly #listeners = new Set<(event: LoggedEvent) => void>()
  readonly #detach: (() => void)[] = []
  #seq = 0

  /** With `file`, its events are kept first (numbered from 1, oldest first). */
  constructor(
    supervisor: Supervisor,
    monitor: ResourceMonitor,
    keep = DEFAULT_KEPT_EVENTS,
    file?: EventFile,
  ) {
    this.#keep = keep
    for (const e of file?.initial.slice(-keep) ?? []) {
      const time = Math.max(e.time, this.#ring.at(-1)?.time ?? 0)
      this.#ring.push({ seq: ++this.#seq, name: e.name, agent: e.agent, time, data: JSON.stringify(e.data) })
    }
    this.#detach.push(
      watchEvents(supervisor, monitor, (name, agent, payload) => this.#push(name, agent, payload)),
    )
  }

  /** Calls `listener` for each new event until the returned function is called. */
  subscribe(listener: (event: LoggedEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Events kept after `seq`, oldest first (all kept ones when `seq` is older than the ring). */
  since(seq: number): LoggedEvent[] {
    return this.#ring.filter((e) => e.seq > seq)
  }

  /** Kept events at or after `time` (ms since epoch), of one agent when given, oldest first. */
  recent(time: number, agent?: string): LoggedEvent[] {
    // Kept in time order: search for the first one at `time`, then filter what follows.
    let lo = 0
    let hi = this.#ring.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.#ring[mid]!.time < time) lo = mid + 1
      else hi = mid
    }
    const out = this.#ring.slice(lo)
    return agent === undefined ? out : out.filter((e) => e.agent === agent)
  }

  /** The oldest kept event's time; undefined while none is kept. */
  get oldestTime(): number | undefined {
    return this.#ring[0]?.time
  }

  /** The newest event's `seq` (0 before any). */
  get lastSeq(): number {
    return this.#seq
  }

  /** How many events are kept at most. */
  get keep(): number {
    return this.#keep
  }

  close(): void {
    for (const detach of this.#detach.splice(0)) detach()
    this.#listeners.clear()
  }

  #push(name: string, agent: string, payload: object): void {
    // Date.now() can step back (NTP): keep the ring in time order, which recent() searches.
    const time = Math.max(Date.now(), this.#ring.at(-1)?.time ?? 0)
    const data = eventJSON(payload)
    const event: LoggedEvent = { seq: ++this.#seq, name, agent, time, data }
    this.#ring.push(event)
    if (this.#ring.length > this.#keep) this.#ring.shift()
    for (const listener of this.#listeners) listener(event)
  }
}
