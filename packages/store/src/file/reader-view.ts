import { StoreIOError } from '../errors.js'
import { JournalReader } from '../journal/reader.js'
import type { ResourceDataPoint } from '../types.js'
import { freshMetadata } from './format.js'
import { type LoadContext, type LoadedFile, loadFile, recordPath } from './load.js'
import type { AgentMetadata, CorruptEvent } from './metadata.js'
import { currentIdentity } from './read-file.js'

/** Reads of one record that found it rewritten meanwhile each time, before giving up. */
const MAX_ATTEMPTS = 100

/**
 * What a read-only store (another process) sees: each agent's file plus the journal's points the
 * file does not cover yet, so every acknowledged point is visible without waiting for a checkpoint.
 */
export class ReaderView {
  readonly #ctx: LoadContext
  readonly #journal: JournalReader

  constructor(ctx: LoadContext) {
    this.#ctx = ctx
    this.#journal = new JournalReader(ctx.dir, ctx.history.series)
  }

  /**
   * The file, then the journal, then the file's identity again: if no checkpoint replaced the file
   * meanwhile, no segment holding points it lacks can have been deleted before the journal was read
   * (the writer deletes a segment only once the files cover it), so file + journal is whole. If one
   * did, read again.
   */
  async get(id: string, corrupt: CorruptEvent[]): Promise<AgentMetadata | undefined> {
    const path = recordPath(this.#ctx.dir, id)
    for (let attempt = 1; ; attempt++) {
      const found: CorruptEvent[] = []
      const file = await loadFile(this.#ctx, id, found)
      await this.#journal.refresh()
      let now: string | undefined
      try {
        now = await currentIdentity(path)
      } catch (cause) {
        throw new StoreIOError({ path, operation: 'read', cause })
      }
      if (now === file.identity) {
        corrupt.push(...found)
        return this.#compose(id, file)
      }
      if (attempt === MAX_ATTEMPTS) {
        throw new StoreIOError({
          path,
          operation: 'read a stable view of',
          cause: new Error(`the file was replaced during each of ${MAX_ATTEMPTS} reads`),
        })
      }
    }
  }

  /** Ids with a file, and those so far only in the journal, sorted. */
  async ids(): Promise<Set<string>> {
    const names = await this.#journal.refresh()
    const ids = new Set<string>()
    for (const name of names) if (name.endsWith('.json')) ids.add(name.slice(0, -5))
    for (const id of this.#journal.log.ids()) ids.add(id)
    return ids
  }

  #compose(id: string, file: LoadedFile): AgentMetadata | undefined {
    const journaled = this.#journal.log.peek(id)
    const tombstone = journaled?.tombstone ?? 0
    // A file older than the agent's deletion is one the writer has not unlinked yet.
    const record = file.record !== undefined && file.record.journalLsn >= tombstone ? file.record : undefined
    const base = record?.journalLsn ?? tombstone
    const points = journaled?.points.filter((p) => p.lsn > base) ?? []
    if (record === undefined && points.length === 0) return undefined
    const meta = record?.meta ?? freshMetadata(id, this.#ctx.history, Date.now())
    for (const { point } of points) {
      try {
        // Decoded by the store's own series, which its histories are made with.
        meta.resourceUsage.add(point as unknown as ResourceDataPoint)
      } catch {
        // A point the file already moved past (a hand-edited file): the file wins.
      }
    }
    return meta
  }
}
