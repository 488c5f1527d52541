/** Ids a registry listed more than once, so each is reported once per change, not on every tick. */
export class DuplicateIds {
  /** id -> the pass that last listed it more than once. */
  readonly #lastSeen = new Map<string, number>()
  #pass = 0

  /** Notes a repeated `id` in this pass; true when it was not repeated in the previous pass. */
  add(id: string): boolean {
    const isNew = !this.#lastSeen.has(id)
    this.#lastSeen.set(id, this.#pass)
    return isNew
  }

  /** Ends a pass: ids it did not repeat are forgotten, so their next repeat is reported again. */
  endPass(): void {
    for (const [id, pass] of this.#lastSeen) if (pass !== this.#pass) this.#lastSeen.delete(id)
    this.#pass++
  }
}
