/**
 * Decides when agents' files are rewritten. At most `batchSize` checkpoints are in flight, in one
 * batch at a time. Agents due by their point count start only after a journal commit, one batch
 * per commit: a tick makes one commit, so it costs at most the journal's fsync plus one batch's,
 * whatever the agent count. Urgent ones (an idle record leaving the cache, agents holding old
 * segments, close) run batch after batch until none is left.
 */
export class CheckpointScheduler {
  readonly #batchSize: number
  readonly #run: (ids: string[]) => Promise<void>
  readonly #due = new Set<string>()
  readonly #urgent = new Set<string>()
  #running: Promise<void> | undefined
  // A commit landed while a batch ran: the next batch may take due agents (else urgent work could starve them).
  #committed = false

  constructor(batchSize: number, run: (ids: string[]) => Promise<void>) {
    this.#batchSize = batchSize
    this.#run = run
  }

  /** `id` holds `checkpointEvery` points its file lacks: checkpointed after a coming commit. */
  due(id: string): void {
    if (!this.#urgent.has(id)) this.#due.add(id)
  }

  /** `id` must be checkpointed soon, commits or not. */
  urgent(id: string): void {
    this.#due.delete(id)
    // Started a microtask later: the other agents marked in the same sweep fill the batch.
    if (this.#urgent.add(id).size === 1) queueMicrotask(() => this.#start(false))
  }

  /** A commit landed: one batch may start (urgent agents first), now or when the running one ends. */
  committed(): void {
    if (this.#running === undefined) this.#start(true)
    else this.#committed = true
  }

  /** `id` was deleted or checkpointed by a metadata write. */
  forget(id: string): void {
    this.#due.delete(id)
    this.#urgent.delete(id)
  }

  /** Resolves when no batch is running. */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running
  }

  /** Runs batches until every agent queued is done (for close). */
  async drain(): Promise<void> {
    for (const id of this.#due) this.#urgent.add(id)
    this.#due.clear()
    this.#start(false)
    await this.idle()
  }

  #start(withDue: boolean): void {
    if (this.#running !== undefined) return
    const batch = take(this.#urgent, this.#batchSize)
    if (withDue) batch.push(...take(this.#due, this.#batchSize - batch.length))
    if (batch.length === 0) return
    this.#running = this.#run(batch)
      .catch(() => undefined)
      .finally(() => {
        this.#running = undefined
        const withDue = this.#committed
        this.#committed = false
        this.#start(withDue)
      })
  }
}

function take(set: Set<string>, n: number): string[] {
  const out: string[] = []
  for (const id of set) {
    if (out.length >= n) break
    out.push(id)
    set.delete(id)
  }
  return out
}
