import type { EventEmitter } from 'eventemitter3'

/**
 * The one policy for listener errors in every Warden package. An emitter calls this only after
 * its own work is done (data written, state updated, actions taken), so a listener that throws
 * can never cost data or an action. The error is re-raised on the next tick, out of band, as Node
 * does for a throwing timer callback: the listener's bug surfaces (`uncaughtException`) instead of
 * failing the emitter's operation or its caller. As with any EventEmitter, listeners registered
 * after the throwing one miss that one event.
 */
export function emitSafely<
  Events extends EventEmitter.ValidEventTypes,
  K extends EventEmitter.EventNames<Events>,
>(emitter: EventEmitter<Events>, event: K, ...args: EventEmitter.EventArgs<Events, K>): boolean {
  try {
    return emitter.emit(event, ...args)
  } catch (error) {
    rethrowLater(error)
    return true
  }
}

/** Surfaces `error` as an uncaught exception on the next tick (never as an unhandled rejection). */
export function rethrowLater(error: unknown): void {
  process.nextTick(() => {
    throw error
  })
}
