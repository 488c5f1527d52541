/**
 * Runs tasks one at a time, in call order. With nothing queued a task starts at once (in the
 * caller's turn, as a tick promised "now" must); otherwise once the last one queued has settled.
 * A task that fails rejects its own caller and never stops the next one.
 */
export class SerialQueue {
  #tail: Promise<void> = Promise.resolve()
  #size = 0

  /** Tasks queued or running. Already lowered when a task's own promise handlers run. */
  get size(): number {
    return this.#size
  }

  run<T>(task: () => T | Promise<T>): Promise<T> {
    const result = this.#size++ === 0 ? invoke(task) : this.#tail.then(task)
    const settled = result.then(
      () => {
        this.#size--
      },
      () => {
        this.#size--
      },
    )
    this.#tail = settled
    return result
  }

  /** Resolves once nothing is queued or running, including tasks queued meanwhile. */
  async idle(): Promise<void> {
    while (this.#size > 0) await this.#tail
  }
}

function invoke<T>(task: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(task())
  } catch (error) {
    return Promise.reject(error)
  }
}

/**
 * Wraps an async function so that its calls run one after another in call order: each starts once
 * the previous one settled, and a rejection goes to its caller without blocking the next call.
 */
export function serialize<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  const queue = new SerialQueue()
  return (...args) => queue.run(() => fn(...args))
}
