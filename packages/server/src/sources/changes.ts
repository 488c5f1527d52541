import type { Supervisor } from '@warden/core'
import type { HostMonitor } from '@warden/host'
import type { ResourceMonitor } from '@warden/monitor'

/**
 * A number that rises whenever what the API shows may have changed: an agent's status or
 * registry entry, a monitor tick, an alert, a host tick. Cached answers compare it.
 */
export class ChangeCounter {
  generation = 0
  readonly #detach: (() => void)[] = []
  readonly #bump = (): void => {
    this.generation++
  }

  constructor(supervisor: Supervisor, monitor: ResourceMonitor, host: HostMonitor | undefined) {
    const on = <E extends { on(n: string, f: () => void): unknown; off(n: string, f: () => void): unknown }>(
      emitter: E,
      names: readonly string[],
    ): void => {
      for (const name of names) {
        emitter.on(name, this.#bump)
        this.#detach.push(() => emitter.off(name, this.#bump))
      }
    }
    on(supervisor.registry as never, ['change', 'remove'])
    on(monitor as never, ['poll', 'threshold:warning', 'threshold:error', 'threshold:resolved'])
    if (host !== undefined) on(host as never, ['sample'])
  }

  close(): void {
    for (const detach of this.#detach.splice(0)) detach()
  }
}
