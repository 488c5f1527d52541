/**
 * Runs tasks one at a time per key, in call order; different keys run concurrently. A task that
 * fails rejects its own caller and never stops the next one. Memory follows the keys with work
 * queued: a key's entry goes when its last task settles.
 */
export class KeyedQueue<K = string> {
  readonly #tails = new Map<K, Promise<void>>()

  run<T>(key: K, task: () => T | Promise<T>): Promise<T> {
    const tail = this.#tails.get(key) ?? Promise.resolve()
    const result = tail.then(task)
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
  busy(key: K): boolean {
    return this.#tails.has(key)
  }

  /** Resolves once no task of any key is queued or running, including tasks queued meanwhile. */
  async idle(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all(this.#tails.values())
  }
}
