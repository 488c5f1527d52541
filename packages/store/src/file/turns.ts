/**
 * Runs heavy synchronous steps (parsing a file, encoding a checkpoint) one per event-loop turn:
 * a thousand loads finishing together would otherwise parse back to back in one long stretch,
 * since Node runs every ready I/O callback, and every queued setImmediate, in the same phase.
 */
export class Turns {
  readonly #queue: (() => void)[] = []
  #scheduled = false

  run<T>(step: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push(() => {
        try {
          resolve(step())
        } catch (error) {
          reject(error)
        }
      })
      this.#schedule()
    })
  }

  #schedule(): void {
    if (this.#scheduled || this.#queue.length === 0) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      this.#queue.shift()!()
      this.#schedule()
    })
  }
}
