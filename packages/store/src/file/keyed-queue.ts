/** Runs tasks one at a time per key, in call order; different keys run concurrently. */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<unknown>>()

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const tail = this.#tails.get(key) ?? Promise.resolve()
    const result = tail.then(task, task)
    // The chain continues whether the task failed or not; the caller sees the failure.
    const settled = result.then(
      () => undefined,
      () => undefined,
    )
    this.#tails.set(key, settled)
    void settled.then(() => {
      if (this.#tails.get(key) === settled) this.#tails.delete(key)
    })
    return result
  }

  /** Whether a task of `key` is queued or running. */
  busy(key: string): boolean {
    return this.#tails.has(key)
  }
}
