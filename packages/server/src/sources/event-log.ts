import type { Supervisor, SupervisorEvents } from '@warden/core'
import type { MonitorEvents, ResourceMonitor } from '@warden/monitor'

/** One lifecycle or alert event, serialized once for every stream. */
export interface LoggedEvent {
  /** Rising from 1 for this server: the SSE `id`, so a client can resume with `Last-Event-ID`. */
  readonly seq: number
  /** `agent:start`, `agent:exit`, …, `threshold:warning`, …, `monitor:restart`. */
  readonly name: string
  readonly agent: string
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

/** Every event name `/v1/events` sends. */
export const EVENT_NAMES: readonly string[] = [...SUPERVISOR_EVENTS, ...Object.values(MONITOR_EVENTS)]

const replacer = (_key: string, value: unknown): unknown =>
  value instanceof Error
    ? { code: (value as { code?: unknown }).code ?? 'ERR_UNKNOWN', message: value.message }
    : value

/**
 * The supervisor's lifecycle events and the monitor's alert events, as they happen, numbered and
 * kept in a ring of the last `keep` so a reconnecting client misses nothing recent.
 */
export class EventLog {
  readonly #ring: LoggedEvent[] = []
  readonly #keep: number
  readonly #listeners = new Set<(event: LoggedEvent) => void>()
  readonly #detach: (() => void)[] = []
  #seq = 0

  constructor(supervisor: Supervisor, monitor: ResourceMonitor, keep = 1000) {
    this.#keep = keep
    for (const name of SUPERVISOR_EVENTS) {
      const listener = (event: { readonly id: string }): void => this.#push(name, event.id, event)
      supervisor.on(name, listener)
      this.#detach.push(() => supervisor.off(name, listener))
    }
    for (const [source, name] of Object.entries(MONITOR_EVENTS) as [keyof typeof MONITOR_EVENTS, string][]) {
      const listener = (event: { readonly agentId: string }): void => this.#push(name, event.agentId, event)
      monitor.on(source, listener)
      this.#detach.push(() => monitor.off(source, listener))
    }
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

  close(): void {
    for (const detach of this.#detach.splice(0)) detach()
    this.#listeners.clear()
  }

  #push(name: string, agent: string, payload: object): void {
    const event: LoggedEvent = { seq: ++this.#seq, name, agent, data: JSON.stringify(payload, replacer) }
    this.#ring.push(event)
    if (this.#ring.length > this.#keep) this.#ring.shift()
    for (const listener of this.#listeners) listener(event)
  }
}
