import type { FileHandle } from 'node:fs/promises'
import { Checkpointer } from '../checkpoint/checkpointer.js'
import { RecordTooLargeError } from '../errors.js'
import type { ResolvedHistoryOptions } from '../history/options.js'
import { recoverJournal } from '../journal/replay.js'
import { JournalWriter } from '../journal/writer.js'
import type { ResourceDataPoint, StorePoint } from '../types.js'
import { Appender } from './appender.js'
import { writeFileAtomic } from './atomic-write.js'
import { checkedRecord } from './checked.js'
import { encodeMetadata } from './encoding.js'
import { type Entry, newestTimestamp, settledOf } from './entry.js'
import { cloneMetadata, freshMetadata } from './format.js'
import { recordPath } from './load.js'
import type { AgentMetadata, AppendEntry, AppendManyResult, StoreEvents } from './metadata.js'
import { Records } from './records.js'
import type { Slots } from './slots.js'
import type { Turns } from './turns.js'

export interface WriterOptions {
  readonly dir: string
  readonly fsync: boolean
  readonly history: ResolvedHistoryOptions
  readonly maxRecordBytes: number
  readonly cacheIdleMs: number
  readonly checkpointEvery: number
  readonly segmentBytes: number
  readonly dirHandle: FileHandle | undefined
  readonly turns: Turns
  readonly reads: Slots
  readonly emit: <E extends keyof StoreEvents>(event: E, ...args: StoreEvents[E]) => void
}

/**
 * The writing side of a store: each agent's file plus the journal's points for it. Appends are
 * journaled and applied once durable; files are rewritten as checkpoints (staggered, paced) and
 * by metadata writes, at once.
 */
export class JournaledWriter {
  readonly #o: WriterOptions
  readonly #journal: JournalWriter
  readonly #records: Records
  readonly #checkpoints: Checkpointer
  readonly #appender: Appender

  private constructor(options: WriterOptions, recovered: Awaited<ReturnType<typeof recoverJournal>>) {
    this.#o = options
    this.#journal = new JournalWriter(
      {
        dir: options.dir,
        series: options.history.series,
        fsync: options.fsync,
        segmentBytes: options.segmentBytes,
        dirHandle: options.dirHandle,
        onRoll: (closed) => this.#checkpoints.rolled(closed),
        onCommit: () => this.#checkpoints.committed(),
      },
      recovered.segments,
      recovered.lastLsn,
    )
    this.#checkpoints = new Checkpointer(options, () => this.#records, this.#journal)
    this.#records = new Records(options, recovered.pending, this.#journal, {
      due: (id) => this.#checkpoints.due(id),
      keepIdle: (id, entry) => this.#checkpoints.keepIdle(id, entry),
    })
    this.#appender = new Appender(this.#records, this.#journal, {
      series: options.history.series,
      create: (entry, point) => this.#create(entry, point),
      due: (id) => this.#checkpoints.due(id),
      emit: options.emit,
    })
  }

  /** Recovers the journal in `names` (cutting damaged tails, reported through `emit`) and finishes deletes it recorded. */
  static async open(options: WriterOptions, names: readonly string[]): Promise<JournaledWriter> {
    const recovered = await recoverJournal(
      options.dir,
      names,
      options.dirHandle,
      options.fsync,
      options.history.series,
    )
    const writer = new JournaledWriter(options, recovered)
    for (const event of recovered.truncated) options.emit('journal:truncated', event)
    const records = writer.#records
    // A crash between a tombstone and its unlink left a file that predates its own deletion.
    for (const id of records.tombstoned()) await records.run(id, (corrupt) => records.entry(id, corrupt))
    records.start()
    return writer
  }

  get cachedRecords(): number {
    return this.#records.size
  }

  get(id: string): Promise<AgentMetadata | undefined> {
    return this.#records.run(id, async (corrupt) => {
      const entry = await this.#records.entry(id, corrupt)
      // Reads see the appends called before them.
      await settledOf(entry.inflight)
      return entry.exists ? cloneMetadata(entry.meta) : undefined
    })
  }

  /** Writes `meta` (a copy the caller made) as the agent's whole record: metadata and history. */
  save(meta: AgentMetadata): Promise<void> {
    return this.#records.run(meta.id, async (corrupt) => {
      // Also refuses to overwrite a file from a newer release.
      const entry = await this.#records.entry(meta.id, corrupt)
      await settledOf(entry.inflight)
      const history = entry.exists ? entry.meta.resourceUsage : undefined
      await this.#writeRecord(entry, checkedRecord(meta, meta.id, history, this.#o.history))
    })
  }

  // biome-ignore lint/suspicious/noConfusingVoidType: `fn` may mutate in place and return nothing.
  update(id: string, fn: (meta: AgentMetadata) => AgentMetadata | void): Promise<AgentMetadata> {
    return this.#records.run(id, async (corrupt) => {
      const entry = await this.#records.entry(id, corrupt)
      // The draft must hold every point already acknowledged, or writing it would drop them.
      await settledOf(entry.inflight)
      const draft = entry.exists ? cloneMetadata(entry.meta) : freshMetadata(id, this.#o.history, Date.now())
      const next = checkedRecord(fn(draft) ?? draft, id, draft.resourceUsage, this.#o.history)
      await this.#writeRecord(entry, next)
      return cloneMetadata(next)
    })
  }

  /** Journals a tombstone (when a journal exists: else no point of the agent can be replayed), then removes the file. */
  delete(id: string): Promise<boolean> {
    return this.#records.run(id, async () => {
      await settledOf(this.#records.peek(id)?.inflight)
      if (this.#journal.segments.length > 0) await this.#journal.tombstone(id, () => undefined)
      const held = this.#records.forget(id)
      this.#checkpoints.forget(id)
      return (await this.#records.removeFile(id)) || held
    })
  }

  /** Ids with a record: files in `names`, agents so far only in the journal, and those in memory. */
  ids(names: readonly string[]): Set<string> {
    return this.#records.ids(names)
  }

  appendOne(id: string, point: StorePoint): Promise<void> {
    return this.#appender.appendOne(id, point)
  }

  appendMany(entries: readonly AppendEntry<StorePoint>[]): Promise<AppendManyResult> {
    return this.#appender.appendMany(entries)
  }

  /**
   * Waits for the work under way, checkpoints every agent the files lack points of, and (when all
   * are checkpointed) deletes the journal: a clean close leaves only the files.
   */
  async close(): Promise<void> {
    await this.#journal.idle()
    await this.#checkpoints.flush()
    const clean = this.#records.dirty().next().done === true
    await this.#journal.close(clean)
    this.#records.stop()
  }

  /**
   * An agent's first point is written as its file, not journaled: every agent the store has
   * acknowledged a point of has a `<id>.json`, which whoever lists the directory relies on.
   */
  async #create(entry: Entry, point: StorePoint): Promise<void> {
    const next = cloneMetadata(entry.meta)
    // Validated against the store's series, which its histories are made with.
    next.resourceUsage.add(point as ResourceDataPoint)
    next.updatedAt = Date.now()
    // The agent keeps its place in the checkpoint cycle: new agents' first checkpoints stay spread.
    const budget = entry.budget
    await this.#writeRecord(entry, next)
    entry.budget = budget
  }

  /** Writes `next` as the agent's whole file now (it covers every point applied), then holds it. */
  async #writeRecord(entry: Entry, next: AgentMetadata): Promise<void> {
    const id = next.id
    const path = recordPath(this.#o.dir, id)
    const data = encodeMetadata(next, entry.lsn)
    if (data.length > this.#o.maxRecordBytes) {
      throw new RecordTooLargeError({
        path,
        size: data.length,
        maxRecordBytes: this.#o.maxRecordBytes,
        operation: 'write',
      })
    }
    await this.#records.writeFile(id, () =>
      writeFileAtomic(path, data, { fsync: this.#o.fsync, dir: this.#o.dirHandle }),
    )
    entry.meta = next
    entry.exists = true
    // Callers wait for the agent's pending commits first: nothing else is reserved.
    entry.tentative = newestTimestamp(next)
    entry.dirtyFrom = Number.POSITIVE_INFINITY
    entry.sinceFile = 0
    entry.budget = this.#o.checkpointEvery
    this.#checkpoints.forget(id)
    void this.#checkpoints.release()
  }
}
