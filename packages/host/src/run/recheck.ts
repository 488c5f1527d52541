import { type CollectorName, CollectorUnavailableError } from '../errors.js'

/** How long a collector trusts "unavailable" before looking again (a driver installed, systemd started). */
export const UNAVAILABLE_RECHECK_MS = 60_000

/**
 * Remembers that a collector found nothing to run, so it does not spawn or search again every tick
 * (an error storm of ENOENTs); it looks again after {@link UNAVAILABLE_RECHECK_MS}.
 */
export class Unavailability {
  readonly #collector: CollectorName
  #until = 0
  #reason = ''

  constructor(collector: CollectorName) {
    this.#collector = collector
  }

  /** Throws the remembered `CollectorUnavailableError` while it holds. */
  check(): void {
    if (performance.now() < this.#until) throw this.#error()
  }

  /** Records the reason and throws it. */
  fail(reason: string): never {
    this.#reason = reason
    this.#until = performance.now() + UNAVAILABLE_RECHECK_MS
    throw this.#error()
  }

  #error(): CollectorUnavailableError {
    return new CollectorUnavailableError({ collector: this.#collector, reason: this.#reason })
  }
}
