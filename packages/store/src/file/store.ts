import { type FileHandle, mkdir, readdir, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { assertAgentId, emitSafely, isAgentId } from '@warden/utils'
import { EventEmitter } from 'eventemitter3'
import { InvalidOptionError, StoreClosedError, StoreIOError, StoreReadOnlyError } from '../errors.js'
import type { ResolvedHistoryOptions } from '../history/options.js'
import type { HistoryOptions, StorePoint } from '../types.js'
import { openDir } from './dir-sync.js'
import { cloneMetadata } from './format.js'
import { acquireLock, LOCK_FILE, releaseLock } from './lock.js'
import type {
  AgentMetadata,
  AppendEntry,
  AppendManyResult,
  CorruptEvent,
  FileMetadataStoreOptions,
  StoreEvents,
} from './metadata.js'
import { resolveStoreOptions } from './options.js'
import { ReaderView } from './reader-view.js'
import { checkSeriesFile } from './series-file.js'
import { Slots } from './slots.js'
import { removeTempFiles } from './sweep.js'
import { Turns } from './turns.js'
import { JournaledWriter } from './writer.js'

type State = 'new' | 'opening' | 'open' | 'closing' | 'closed'

/**
 * One `<id>.json` per agent in `dir`, plus a journal of appended points. Appends are durable once
 * journaled (group commit); files are rewritten atomically as checkpoints and by metadata writes.
 * Mutations of one id run one at a time, one writer process per directory (lock file), any number
 * of read-only ones, which see the files plus the journal.
 */
export class FileMetadataStore extends EventEmitter<StoreEvents> {
  readonly dir: string
  readonly fsync: boolean
  readonly readOnly: boolean
  readonly historyOptions: HistoryOptions
  readonly #history: ResolvedHistoryOptions
  readonly maxRecordBytes: number
  readonly cacheIdleMs: number
  readonly checkpointEvery: number
  readonly segmentBytes: number
  readonly #lockPath: string
  readonly #turns = new Turns()
  // Twice libuv's 4 threads keeps them busy; more only makes bigger bursts of completions.
  readonly #reads = new Slots(8)
  // Every public call under way, so close() waits for exactly those made before it.
  readonly #ops = new Set<Promise<unknown>>()
  #writer: JournaledWriter | undefined
  #reader: ReaderView | undefined
  #dirHandle: FileHandle | undefined
  #state: State = 'new'
  #opening: Promise<void> | undefined
  #closing: Promise<void> | undefined

  constructor(options: FileMetadataStoreOptions) {
    super()
    const resolved = resolveStoreOptions(options)
    this.dir = resolve(resolved.dir)
    this.fsync = resolved.fsync
    this.readOnly = resolved.readOnly
    this.historyOptions = resolved.history
    this.#history = resolved.history
    this.maxRecordBytes = resolved.maxRecordBytes
    this.cacheIdleMs = resolved.cacheIdleMs
    this.checkpointEvery = resolved.checkpointEvery
    this.segmentBytes = resolved.segmentBytes
    this.#lockPath = join(this.dir, LOCK_FILE)
  }

  get isOpen(): boolean {
    return this.#state === 'open'
  }

  /** Records a writer holds in memory: those touched within the last `cacheIdleMs` (up to twice that), or not yet checkpointed. */
  get cachedRecords(): number {
    return this.#writer?.cachedRecords ?? 0
  }

  /**
   * Writer: takes the lock, removes temp files a killed writer left, and recovers the journal
   * (damaged tails cut off and reported). Read-only: checks `dir` exists.
   */
  open(): Promise<void> {
    // After a close() under way: the calls take effect in the order they were made.
    if (this.#closing !== undefined) return this.#closing.then(() => this.open())
    // Idempotent: a second call while open, or while opening, shares the first one's outcome.
    if (this.#state === 'open') return Promise.resolve()
    this.#opening ??= this.#open().finally(() => {
      this.#opening = undefined
    })
    return this.#opening
  }

  async #open(): Promise<void> {
    this.#state = 'opening'
    let takenOver: (number | null)[] = []
    let removed: string[] = []
    // Events of the recovery wait until the store is open: a throwing listener cannot undo or fail it.
    const events: (() => void)[] = []
    try {
      if (this.readOnly) {
        const st = await stat(this.dir).catch((cause) => {
          throw new StoreIOError({ path: this.dir, operation: 'open the store directory', cause })
        })
        if (!st.isDirectory()) {
          throw new StoreIOError({
            path: this.dir,
            operation: 'open the store directory',
            cause: new Error('not a directory'),
          })
        }
        await checkSeriesFile(this.dir, this.#history.series, await this.#names(), undefined)
        this.#reader = new ReaderView({
          dir: this.dir,
          readOnly: true,
          maxRecordBytes: this.maxRecordBytes,
          history: this.#history,
          dirHandle: undefined,
          turns: this.#turns,
          reads: this.#reads,
        })
      } else {
        await mkdir(this.dir, { recursive: true }).catch((cause) => {
          throw new StoreIOError({ path: this.dir, operation: 'create the store directory', cause })
        })
        takenOver = await acquireLock(this.dir, this.#lockPath)
        try {
          if (this.fsync) this.#dirHandle = await openDir(this.dir)
          const names = await this.#names()
          await checkSeriesFile(this.dir, this.#history.series, names, {
            fsync: this.fsync,
            dirHandle: this.#dirHandle,
          })
          removed = await removeTempFiles(this.dir, names, this.#dirHandle)
          this.#writer = await JournaledWriter.open(
            {
              dir: this.dir,
              fsync: this.fsync,
              history: this.#history,
              maxRecordBytes: this.maxRecordBytes,
              cacheIdleMs: this.cacheIdleMs,
              checkpointEvery: this.checkpointEvery,
              segmentBytes: this.segmentBytes,
              dirHandle: this.#dirHandle,
              turns: this.#turns,
              reads: this.#reads,
              emit: (event, ...args) => {
                if (this.#state === 'opening') events.push(() => emitSafely(this, event, ...args))
                else emitSafely(this, event, ...args)
              },
            },
            names,
          )
        } catch (error) {
          await this.#dirHandle?.close().catch(() => undefined)
          this.#dirHandle = undefined
          await releaseLock(this.#lockPath)
          throw error
        }
      }
      this.#state = 'open'
    } catch (error) {
      this.#state = 'closed'
      throw error
    }
    for (const previousPid of takenOver) {
      emitSafely(this, 'lock:takeover', { lockPath: this.#lockPath, previousPid })
    }
    if (removed.length > 0) emitSafely(this, 'cleanup', { removed })
    for (const emit of events) emit()
  }

  /**
   * Waits for an open() under way and for every call made before it, checkpoints every agent
   * whose file lacks journaled points, deletes the journal (when all are checkpointed) and
   * releases the lock. Calls made once it started reject with `StoreClosedError`; a second
   * close() shares the first one.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close().finally(() => {
      this.#closing = undefined
    })
    return this.#closing
  }

  async #close(): Promise<void> {
    // No await otherwise: calls made right after close() must already see it closing.
    if (this.#opening !== undefined) await this.#opening.catch(() => undefined)
    if (this.#state !== 'open') return
    this.#state = 'closing'
    while (this.#ops.size > 0) await Promise.allSettled([...this.#ops])
    try {
      await this.#writer?.close()
    } finally {
      this.#writer = undefined
      this.#reader = undefined
      await this.#dirHandle?.close().catch(() => undefined)
      this.#dirHandle = undefined
      if (!this.readOnly) await releaseLock(this.#lockPath)
      this.#state = 'closed'
    }
  }

  /** A copy of the agent's record, or undefined when there is none (or it was corrupt and moved aside). */
  async get(id: string): Promise<AgentMetadata | undefined> {
    assertAgentId(id)
    this.#assertOpen('get')
    const reader = this.#reader
    if (reader !== undefined) {
      return this.#track(async () => {
        const corrupt: CorruptEvent[] = []
        try {
          return await reader.get(id, corrupt)
        } finally {
          for (const event of corrupt) emitSafely(this, 'corrupt', event)
        }
      })
    }
    const writer = this.#writer!
    return this.#track(() => writer.get(id))
  }

  /** Replaces the agent's record with `meta` (copied; `updatedAt` set to now): one atomic write of its file. */
  async save(meta: AgentMetadata): Promise<void> {
    if (meta === null || typeof meta !== 'object') {
      throw new InvalidOptionError({ option: 'meta', expected: 'an AgentMetadata object', value: meta })
    }
    assertAgentId(meta.id)
    const writer = this.#writable('save')
    const copy = cloneMetadata(meta)
    return this.#track(() => writer.save(copy))
  }

  /**
   * Read-modify-write under the id's queue. `fn` gets a copy of the record (a fresh one when the
   * agent has none) and returns the new record or mutates it in place. Returns a copy of what was written.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: `fn` may mutate in place and return nothing.
  async update(id: string, fn: (meta: AgentMetadata) => AgentMetadata | void): Promise<AgentMetadata> {
    assertAgentId(id)
    const writer = this.#writable('update')
    if (typeof fn !== 'function')
      throw new InvalidOptionError({ option: 'fn', expected: 'a function', value: fn })
    return this.#track(() => writer.update(id, fn))
  }

  /** Removes the agent's record (a tombstone in the journal first, so no replay brings it back). True if there was one. */
  async delete(id: string): Promise<boolean> {
    assertAgentId(id)
    const writer = this.#writable('delete')
    return this.#track(() => writer.delete(id))
  }

  /** Ids that have a file or journaled points, sorted. */
  async list(): Promise<string[]> {
    this.#assertOpen('list')
    const reader = this.#reader
    const writer = this.#writer
    const ids = await this.#track(async () =>
      reader !== undefined ? reader.ids() : writer!.ids(await this.#names()),
    )
    return [...ids].filter((id) => isAgentId(id)).sort()
  }

  /** Appends one point to the agent's history (creating the record); resolves once it is durable in the journal. */
  appendResourceData(id: string, point: StorePoint): Promise<void> {
    // Not async: a monitor calls this a thousand times a tick, and every promise saved counts.
    try {
      assertAgentId(id)
      const writer = this.#writable('appendResourceData')
      return this.#track(() => writer.appendOne(id, point))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * Appends a tick's points: one journal record, one write and one fsync for the whole batch (and
   * whatever else is queued). Resolves once every appended point is durable. Invalid, out-of-order
   * or bad-id entries are listed in `failed` without holding the others back; it rejects only when
   * the batch as a whole could not be written (`StoreIOError`, `StoreClosedError`,
   * `StoreReadOnlyError`), and then nothing was appended.
   */
  async appendMany(entries: readonly AppendEntry[]): Promise<AppendManyResult> {
    const writer = this.#writable('appendMany')
    if (!Array.isArray(entries)) {
      throw new InvalidOptionError({
        option: 'entries',
        expected: 'an array of { id, point }',
        value: entries,
      })
    }
    return this.#track(() => writer.appendMany(entries))
  }

  #track<T>(run: () => Promise<T>): Promise<T> {
    let op: Promise<T>
    try {
      op = run()
    } catch (error) {
      return Promise.reject(error)
    }
    this.#ops.add(op)
    const done = (): void => {
      this.#ops.delete(op)
    }
    op.then(done, done)
    return op
  }

  /** The file names in the store's directory; a failure is a StoreIOError of operation `list`. */
  async #names(): Promise<string[]> {
    try {
      return await readdir(this.dir)
    } catch (error) {
      throw new StoreIOError({ path: this.dir, operation: 'list', cause: error })
    }
  }

  #assertOpen(operation: string): void {
    if (this.#state !== 'open') throw new StoreClosedError({ operation })
  }

  #writable(operation: string): JournaledWriter {
    this.#assertOpen(operation)
    if (this.readOnly) throw new StoreReadOnlyError({ operation })
    return this.#writer!
  }
}
