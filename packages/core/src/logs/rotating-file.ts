import { type FileHandle, open, rename, unlink } from 'node:fs/promises'

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
}

/**
 * Appends whole lines to a file with size-based rotation. Writes are queued and done by one
 * asynchronous loop, so the caller (a pipe 'data' handler) never waits: the agent's pipe is
 * drained continuously whatever the disk does. Rotation only happens between lines.
 */
export class RotatingFile {
  readonly #opts: RotatingFileOptions
  #queue: Buffer[] = []
  #queuedBytes = 0
  #dropped = 0
  #droppedTotal = 0
  #handle: FileHandle | undefined
  #size = 0
  #draining: Promise<void> | undefined
  #closed = false

  constructor(opts: RotatingFileOptions) {
    this.#opts = opts
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
    this.#queue.push(line)
    this.#queuedBytes += line.length + 1
    this.#draining ??= this.#drain()
  }

  /** Resolves once everything queued so far is on disk (or failed and was reported). */
  async flush(): Promise<void> {
    while (this.#draining !== undefined) await this.#draining
  }

  async close(): Promise<void> {
    await this.flush()
    this.#closed = true
    const handle = this.#handle
    this.#handle = undefined
    await handle?.close().catch(this.#opts.onError)
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0 || this.#dropped > 0) {
        if (this.#queue.length === 0) {
          this.#queue.push(
            Buffer.from(`[warden] ${this.#dropped} line(s) dropped: the log writer fell behind`),
          )
          this.#queuedBytes += this.#queue[0]!.length + 1
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
    }
  }

  async #open(): Promise<FileHandle> {
    if (this.#handle !== undefined) return this.#handle
    const handle = await open(this.#opts.path, 'a')
    this.#size = (await handle.stat()).size
    this.#handle = handle
    return handle
  }

  async #rotate(): Promise<void> {
    const { path, backups } = this.#opts
    await this.#handle?.close()
    this.#handle = undefined
    if (backups === 0) {
      await unlink(path).catch(ignoreMissing)
    } else {
      for (let i = backups - 1; i >= 1; i--)
        await rename(`${path}.${i}`, `${path}.${i + 1}`).catch(ignoreMissing)
      await rename(path, `${path}.1`)
    }
    this.#handle = await open(path, 'a')
    this.#size = 0
  }
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
}
