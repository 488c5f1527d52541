import { MAX_TIMER_MS } from './validate.js'

/**
 * Holds the process open while the supervisor has something to supervise. Every timer of Warden
 * is unref'd (a library must not keep its host alive on its own account), so without this a
 * daemon whose agents are all adopted (polled) or all fatal would exit at once with code 0.
 */
export class KeepAlive {
  readonly #enabled: boolean
  #timer: NodeJS.Timeout | undefined

  constructor(enabled: boolean) {
    this.#enabled = enabled
  }

  set(active: boolean): void {
    if (active && this.#enabled) this.#timer ??= setInterval(() => {}, MAX_TIMER_MS)
    else {
      clearInterval(this.#timer)
      this.#timer = undefined
    }
  }
}
