import { type FileHandle, mkdir, readdir, stat, unlink } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { emitSafely } from '@warden/utils'
import { EventEmitter } from 'eventemitter3'
import {
  InvalidOptionError,
  NotRegularFileError,
  RecordTooLargeError,
  StoreClosedError,
  StoreCorruptError,
  StoreIOError,
  StoreReadOnlyError,
  UnsupportedSchemaVersionError,
} from '../errors.js'
import { ResourceUsageHistory } from '../history/history.js'
import type { HistoryOptions, ResourceDataPoint } from '../types.js'
import { assertAgentId, isAgentId } from './agent-id.js'
import { writeFileAtomic } from './atomic-write.js'
import { openDir, syncDir } from './dir-sync.js'
import {
  cloneMetadata,
  decodeMetadata,
  encodeMetadata,
  FutureSchemaError,
  freshMetadata,
  SCHEMA_VERSION,
} from './format.js'
import { KeyedQueue } from './keyed-queue.js'
import { acquireLock, LOCK_FILE, releaseLock } from './lock.js'
import type { AgentMetadata, CorruptEvent, FileMetadataStoreOptions, StoreEvents } from './metadata.js'
import { metadataProblem } from './metadata-rules.js'
import { resolveStoreOptions } from './options.js'
import { moveAside } from './quarantine.js'
import { readRegularFile } from './read-file.js'
import { RecordCache } from './record-cache.js'
import { removeTempFiles } from './sweep.js'

type State = 'new' | 'opening' | 'open' | 'closing' | 'closed'

/**
 * One `<id>.json` per agent in `dir`. Writes are atomic and durable, mutations of one id run
 * one at a time, one writer process per directory (lock file), any number of read-only ones.
 */
export class FileMetadataStore extends EventEmitter<StoreEvents> {
  readonly dir: string
  readonly fsync: boolean
  readonly readOnly: boolean
  readonly historyOptions: HistoryOptions
  readonly maxRecordBytes: number
  readonly cacheIdleMs: number
  readonly #queue = new KeyedQueue()
  // Writer only: what is on disk, so a tick's append does not re-read and re-parse the file.
  readonly #cache: RecordCache<AgentMetadata>
  readonly #lockPath: string
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
    this.maxRecordBytes = resolved.maxRecordBytes
    this.cacheIdleMs = resolved.cacheIdleMs
    this.#cache = new RecordCache(resolved.cacheIdleMs)
    this.#lockPath = join(this.dir, LOCK_FILE)
  }

  get isOpen(): boolean {
    return this.#state === 'open'
  }

  /** Records a writer holds in memory: those touched within the last `cacheIdleMs` (up to twice that). */
  get cachedRecords(): number {
    return this.#cache.size
  }

  /** Takes the writer lock (unless read-only) and removes temp files a killed writer left. */
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
      } else {
        await mkdir(this.dir, { recursive: true }).catch((cause) => {
          throw new StoreIOError({ path: this.dir, operation: 'create the store directory', cause })
        })
        takenOver = await acquireLock(this.dir, this.#lockPath)
        try {
          if (this.fsync) this.#dirHandle = await openDir(this.dir)
          removed = await removeTempFiles(this.dir, await this.#names(), this.#dirHandle)
          this.#cache.start()
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
    // Reported once open: a throwing listener cannot undo or fail it.
    for (const previousPid of takenOver) {
      emitSafely(this, 'lock:takeover', { lockPath: this.#lockPath, previousPid })
    }
    if (removed.length > 0) emitSafely(this, 'cleanup', { removed })
  }

  /**
   * Waits for an open() under way and for queued writes, then releases the lock. Calls made
   * once it started reject with `StoreClosedError`; a second close() shares the first one.
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
    await this.#queue.idle()
    this.#cache.stop()
    await this.#dirHandle?.close().catch(() => undefined)
    this.#dirHandle = undefined
    if (!this.readOnly) await releaseLock(this.#lockPath)
    this.#state = 'closed'
  }

  /** A copy of the agent's record, or undefined when there is none (or it was corrupt and moved aside). */
  async get(id: string): Promise<AgentMetadata | undefined> {
    assertAgentId(id)
    this.#assertOpen('get')
    return this.#run(id, async (corrupt) => {
      const meta = await this.#load(id, corrupt)
      return meta === undefined ? undefined : cloneMetadata(meta)
    })
  }

  /** Replaces the agent's record with `meta` (copied; `updatedAt` set to now). */
  async save(meta: AgentMetadata): Promise<void> {
    if (meta === null || typeof meta !== 'object') {
      throw new InvalidOptionError({ option: 'meta', expected: 'an AgentMetadata object', value: meta })
    }
    const id = meta.id
    assertAgentId(id)
    this.#assertWritable('save')
    const copy = cloneMetadata(meta)
    await this.#run(id, async (corrupt) => {
      // Also refuses to overwrite a file from a newer release.
      const current = await this.#load(id, corrupt)
      await this.#write(this.#checked(copy, id, current?.resourceUsage))
    })
  }

  /**
   * Read-modify-write under the id's queue. `fn` gets a copy of the record (a fresh one when the
   * agent has none) and returns the new record or mutates it in place. Returns a copy of what was written.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: `fn` may mutate in place and return nothing.
  async update(id: string, fn: (meta: AgentMetadata) => AgentMetadata | void): Promise<AgentMetadata> {
    assertAgentId(id)
    this.#assertWritable('update')
    if (typeof fn !== 'function')
      throw new InvalidOptionError({ option: 'fn', expected: 'a function', value: fn })
    return this.#run(id, async (corrupt) => {
      const current = await this.#load(id, corrupt)
      const draft =
        current === undefined ? freshMetadata(id, this.historyOptions, Date.now()) : cloneMetadata(current)
      const next = this.#checked(fn(draft) ?? draft, id, draft.resourceUsage)
      await this.#write(next)
      return cloneMetadata(next)
    })
  }

  /** Removes the agent's file. Resolves false when there was none. */
  async delete(id: string): Promise<boolean> {
    assertAgentId(id)
    this.#assertWritable('delete')
    return this.#run(id, async () => {
      const path = this.#path(id)
      this.#cache.delete(id)
      try {
        await unlink(path)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
        throw new StoreIOError({ path, operation: 'delete', cause: error })
      }
      if (this.#dirHandle !== undefined) await syncDir(this.#dirHandle, path)
      return true
    })
  }

  /** Ids that have a file, sorted. */
  async list(): Promise<string[]> {
    this.#assertOpen('list')
    const names = await this.#names()
    const ids: string[] = []
    for (const name of names) {
      if (!name.endsWith('.json')) continue
      const id = name.slice(0, -5)
      if (isAgentId(id)) ids.push(id)
    }
    return ids.sort()
  }

  /** Appends one point to the agent's history (creating the record) and persists it: one atomic write. */
  async appendResourceData(id: string, point: ResourceDataPoint): Promise<void> {
    assertAgentId(id)
    this.#assertWritable('appendResourceData')
    await this.#run(id, async (corrupt) => {
      const cached = await this.#load(id, corrupt)
      const meta = cached ?? freshMetadata(id, this.historyOptions, Date.now())
      // Throws before changing anything when the point is invalid or out of order.
      meta.resourceUsage.add(point)
      await this.#write(meta)
    })
  }

  /**
   * Runs `task` under the id's queue. The corrupt files it set aside are reported once it has
   * settled (the store's work done), through `emitSafely`: a throwing listener surfaces out of
   * band and never fails the operation.
   */
  async #run<T>(id: string, task: (corrupt: CorruptEvent[]) => Promise<T>): Promise<T> {
    const corrupt: CorruptEvent[] = []
    try {
      return await this.#queue.run(id, () => task(corrupt))
    } finally {
      for (const event of corrupt) emitSafely(this, 'corrupt', event)
    }
  }

  /** Writes and caches `meta`; on failure the id leaves the cache so memory never runs ahead of disk. */
  async #write(meta: AgentMetadata): Promise<void> {
    const path = this.#path(meta.id)
    meta.updatedAt = Date.now()
    try {
      const data = encodeMetadata(meta)
      if (data.length > this.maxRecordBytes) {
        throw new RecordTooLargeError({
          path,
          size: data.length,
          maxRecordBytes: this.maxRecordBytes,
          operation: 'write',
        })
      }
      await writeFileAtomic(path, data, { fsync: this.fsync, dir: this.#dirHandle })
    } catch (error) {
      this.#cache.delete(meta.id)
      throw error
    }
    this.#cache.set(meta.id, meta)
  }

  /** The record as on disk (cached for the writer), undefined when missing or quarantined (added to `corrupt`). */
  async #load(id: string, corrupt: CorruptEvent[]): Promise<AgentMetadata | undefined> {
    const cached = this.#cache.get(id)
    if (cached !== undefined) return cached
    const path = this.#path(id)
    let data: Buffer | undefined
    try {
      data = await readRegularFile(path, 'read', this.maxRecordBytes)
    } catch (error) {
      // A symlink here is never followed, an oversized file never parsed: both are set aside like a corrupt file.
      if (!(error instanceof NotRegularFileError || error instanceof RecordTooLargeError)) throw error
      corrupt.push(await this.#quarantine(id, path, error))
      return undefined
    }
    if (data === undefined) return undefined
    let meta: AgentMetadata
    try {
      meta = decodeMetadata(data.toString('utf8'), id, this.historyOptions)
    } catch (error) {
      if (error instanceof FutureSchemaError) {
        throw new UnsupportedSchemaVersionError({
          id,
          path,
          schemaVersion: error.schemaVersion,
          supported: SCHEMA_VERSION,
        })
      }
      corrupt.push(await this.#quarantine(id, path, error))
      return undefined
    }
    if (!this.readOnly) this.#cache.set(id, meta)
    return meta
  }

  /** Sets a corrupt file aside (a writer moves it, a read-only store leaves it) and describes it. */
  async #quarantine(id: string, path: string, cause: unknown): Promise<CorruptEvent> {
    const quarantinePath = this.readOnly ? null : await moveAside(path, this.#dirHandle)
    const error = new StoreCorruptError({ id, path, quarantinePath, cause })
    return { id, path, quarantinePath, error }
  }

  /** The file names in the store's directory; a failure is a StoreIOError of operation `list`. */
  async #names(): Promise<string[]> {
    try {
      return await readdir(this.dir)
    } catch (error) {
      throw new StoreIOError({ path: this.dir, operation: 'list', cause: error })
    }
  }

  /** Validates a record to be written; one without `resourceUsage` keeps `history` (never silently emptied). */
  #checked(meta: AgentMetadata, id: string, history: ResourceUsageHistory | undefined): AgentMetadata {
    if (meta === null || typeof meta !== 'object') {
      throw new InvalidOptionError({ option: 'meta', expected: 'an AgentMetadata object', value: meta })
    }
    if (meta.id !== id)
      throw new InvalidOptionError({
        option: 'meta.id',
        expected: `"${id}" (ids cannot change)`,
        value: meta.id,
      })
    meta.updatedAt = Date.now()
    const problem = metadataProblem(meta as unknown as Record<string, unknown>)
    if (problem !== undefined) {
      throw new InvalidOptionError({
        option: `meta.${problem.field}`,
        expected: problem.expected,
        value: problem.value,
      })
    }
    if (meta.resourceUsage === undefined) {
      meta.resourceUsage = history ?? freshMetadata(id, this.historyOptions, 0).resourceUsage
    } else if (!(meta.resourceUsage instanceof ResourceUsageHistory)) {
      throw new InvalidOptionError({
        option: 'meta.resourceUsage',
        expected: 'a ResourceUsageHistory',
        value: meta.resourceUsage,
      })
    }
    return meta
  }

  #path(id: string): string {
    return join(this.dir, `${id}.json`)
  }

  #assertOpen(operation: string): void {
    if (this.#state !== 'open') throw new StoreClosedError({ operation })
  }

  #assertWritable(operation: string): void {
    this.#assertOpen(operation)
    if (this.readOnly) throw new StoreReadOnlyError({ operation })
  }
}
