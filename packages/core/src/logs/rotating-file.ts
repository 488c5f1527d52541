import type { FileHandle } from 'node:fs/promises'
import { type FileAccess, plainAccess } from './file-access.js'

const NL = Buffer.from('\n')
/** Upper bound of one write() call: big enough to amortise syscalls, small enough to rotate precisely. */
const BATCH_BYTES = 256 * 1024

export interface RotatingFileOptions {
  readonly path: string
  /** A file is rotated before a write would make it larger than this (whole lines only). */
  readonly maxBytes: number
  /** `<path>.1` (newest) .. `<path>.<backups>`; 0 truncates the file instead. */
  readonly backups: number
  /** Lines waiting for the disk beyond this are dropped (and counted), never the agent paused. */
  readonly maxQueueBytes: number
  readonly onError: (error: unknown) => void
  /** Called after each batch that reached the file (a destination that failed has recovered). */
  readonly onWritten?: () => void
  /** How the file is opened and rotated. @default the writer's own rights */
  readonly access?: FileAccess
}

/**
 * Appends whole lines to a file with size-based rotation. Writes are queued and done by one
 * asynchronous loop, so the caller (a pipe 'data' handler) never waits: the agent's pipe is
 * drained continuously whatever the disk does. Rotation only happens between lines.
 */
export class RotatingFile {
  readonly #opts: RotatingFileOptions
  readonly #access: FileAccess
  #queue: Buffer[] = []
  #queuedBytes = 0
  /** Lines queued so far (drop markers included), and those written or lost: flush() waits on them. */
  #enqueued = 0
  #settled = 0
  #waiters: Array<{ readonly upTo: number; readonly resolve: () => void }> = []
  #dropped = 0
  #droppedTotal = 0
  #handle: FileHandle | undefined
  #size = 0
  #draining: Promise<void> | undefined
  #closed = false

  constructor(opts: RotatingFileOptions) {
    this.#opts = opts
    this.#access = opts.access ?? plainAccess
  }

  get path(): string {
    return this.#opts.path
  }

  /** Lines dropped because the queue overflowed (disk slower than the agent for too long). */
  get droppedLines(): number {
    return this.#droppedTotal
  }

  /** Queues `line` followed by a newline. */
  writeLine(line: Buffer): void {
    if (this.#closed) return
    if (this.#queuedBytes + line.length + 1 > this.#opts.maxQueueBytes && this.#queue.length > 0) {
      this.#dropped++
      this.#droppedTotal++
      return
    }
    this.#push(line)
    this.#draining ??= this.#drain()
  }

  /**
   * Resolves once every line queued so far is on disk (or failed and was counted); lines queued
   * later (a writer that never pauses) do not hold it up.
   */
  flush(): Promise<void> {
    if (this.#settled >= this.#enqueued) return Promise.resolve()
    return new Promise((resolve) => this.#waiters.push({ upTo: this.#enqueued, resolve }))
  }

  /** Writes what is queued (and the drop marker it may need), then closes the file. */
  async close(): Promise<void> {
    this.#closed = true
    while (this.#draining !== undefined) await this.#draining
    const handle = this.#handle
    this.#handle = undefined
    await handle?.close().catch(this.#opts.onError)
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0 || this.#dropped > 0) {
        if (this.#queue.length === 0) {
          this.#push(Buffer.from(`[warden] ${this.#dropped} line(s) dropped: the log writer fell behind`))
          this.#dropped = 0
        }
        await this.#writeBatch()
      }
    } finally {
      this.#draining = undefined
    }
  }

  async #writeBatch(): Promise<void> {
    const { maxBytes } = this.#opts
    try {
      const handle = await this.#open()
      const first = this.#queue[0]!
      if (this.#size > 0 && this.#size + first.length + 1 > maxBytes) await this.#rotate()
      const parts: Buffer[] = []
      let bytes = 0
      let n = 0
      // Take whole lines while they fit the file and the batch (always at least one line).
      while (n < this.#queue.length) {
        const len = this.#queue[n]!.length + 1
        if (n > 0 && (this.#size + bytes + len > maxBytes || bytes + len > BATCH_BYTES)) break
        parts.push(this.#queue[n]!, NL)
        bytes += len
        n++
      }
      const buf = Buffer.concat(parts, bytes)
      let off = 0
      while (off < buf.length) {
        const { bytesWritten } = await (this.#handle ?? handle).write(buf, off, buf.length - off)
        off += bytesWritten
      }
      this.#size += bytes
      this.#queue.splice(0, n)
      this.#queuedBytes -= bytes
      this.#opts.onWritten?.()
      this.#settle(n)
    } catch (error) {
      // The lines of a failed batch cannot be kept forever: report them and go on with the next ones.
      const lost = this.#queue.length
      this.#queue = []
      this.#queuedBytes = 0
      this.#droppedTotal += lost
      const handle = this.#handle
      this.#handle = undefined
      await handle?.close().catch(() => {})
      this.#opts.onError(error)
      this.#settle(lost)
    }
  }

  #push(line: Buffer): void {
    this.#queue.push(line)
    this.#queuedBytes += line.length + 1
    this.#enqueued++
  }

  #settle(lines: number): void {
    this.#settled += lines
    const due = this.#waiters.filter((w) => w.upTo <= this.#settled)
    if (due.length === 0) return
    this.#waiters = this.#waiters.filter((w) => w.upTo > this.#settled)
    for (const w of due) w.resolve()
  }

  async #open(): Promise<FileHandle> {
    if (this.#handle !== undefined) return this.#handle
    const handle = await this.#access.open(this.#opts.path)
    this.#size = (await handle.stat()).size
    this.#handle = handle
    return handle
  }

  async #rotate(): Promise<void> {
    const { path, backups } = this.#opts
    await this.#handle?.close()
    this.#handle = undefined
    await this.#access.rotate(path, backups)
    this.#handle = await this.#access.open(path)
    this.#size = 0
  }
}
