import { ErrorThrottle } from '../logs/error-throttle.js'
import { ownedAccess } from '../logs/owned-path.js'
import { RotatingFile } from '../logs/rotating-file.js'
import type { StreamFile } from './protocol.js'

export interface WritersEvents {
  /** A file of `agent` failed (rate-limited per file: `suppressed` failures since its last report). */
  error(agent: string, path: string, error: unknown, suppressed: number): void
  /** `n` more lines of `agent` were dropped (disk too slow, or failed writes). */
  dropped(agent: string, n: number): void
}

interface Writer {
  readonly key: string
  readonly agent: string
  readonly file: RotatingFile
  readonly throttle: ErrorThrottle
  refs: number
  /** Drops already told to `dropped`. */
  counted: number
}

/**
 * The relay's log files: one writer per agent and destination (path and options), shared by every
 * stream that names it — both streams of a combined file, and the processes of a crash loop one
 * after another — so a file never has two writers. A writer closes once no stream uses it.
 */
export class Writers {
  readonly #events: WritersEvents
  readonly #open = new Map<string, Writer>()
  /** Writers whose last stream ended, until their queue is written and the file closed. */
  readonly #closing = new Map<Writer, Promise<void>>()

  constructor(events: WritersEvents) {
    this.#events = events
  }

  /** The writer of `agent` for `file`, for one more stream; `release` gives it back once. */
  acquire(agent: string, file: StreamFile): { readonly file: RotatingFile; readonly release: () => void } {
    const key = JSON.stringify([
      agent,
      file.path,
      file.maxBytes,
      file.backups,
      file.maxQueueBytes,
      file.errorReportIntervalMs,
      file.owner?.uid,
      file.owner?.gid,
    ])
    let writer = this.#open.get(key)
    if (writer === undefined) {
      writer = this.#create(key, agent, file)
      this.#open.set(key, writer)
    }
    writer.refs++
    const taken = writer
    let released = false
    return {
      file: taken.file,
      release: () => {
        if (released) return
        released = true
        this.#release(taken)
      },
    }
  }

  /** Resolves once every line of `agent` queued so far is written (or counted as dropped). */
  async settled(agent: string): Promise<void> {
    const open = [...this.#open.values()].filter((w) => w.agent === agent).map((w) => w.file.flush())
    const closing = [...this.#closing].filter(([w]) => w.agent === agent).map(([, p]) => p)
    await Promise.all([...open, ...closing])
  }

  /** Resolves once every writer has written its queue and closed. */
  async close(): Promise<void> {
    for (const writer of [...this.#open.values()]) {
      writer.refs = 1
      this.#release(writer)
    }
    await Promise.all(this.#closing.values())
  }

  /**
   * One stream of the writer ended. The last one closes it, but only once what is queued is
   * written: until then it stays the file's writer, so the next process of a crash loop shares it
   * instead of a second writer rotating the same file beside it (backups renamed over each other
   * lost whole files of lines). A writer closing has nothing left to write.
   */
  #release(writer: Writer): void {
    if (--writer.refs > 0) return
    const closing: Promise<void> = writer.file
      .flush()
      .then(async () => {
        // Taken again while its queue was written: it stays open.
        if (writer.refs > 0) return
        if (this.#open.get(writer.key) === writer) this.#open.delete(writer.key)
        await writer.file.close()
        writer.throttle.close()
        this.#count(writer)
      })
      .finally(() => {
        if (this.#closing.get(writer) === closing) this.#closing.delete(writer)
      })
    this.#closing.set(writer, closing)
  }

  #create(key: string, agent: string, file: StreamFile): Writer {
    // A destination that keeps failing must not flood its reports (one failure per batch).
    const throttle = new ErrorThrottle(file.errorReportIntervalMs, (error, suppressed) =>
      this.#events.error(agent, file.path, error, suppressed),
    )
    const writer: Writer = {
      key,
      agent,
      throttle,
      refs: 0,
      counted: 0,
      file: new RotatingFile({
        path: file.path,
        maxBytes: file.maxBytes,
        backups: file.backups,
        maxQueueBytes: file.maxQueueBytes,
        ...(file.owner === undefined ? {} : { access: ownedAccess(file.owner) }),
        onError: (error) => {
          throttle.failure(error)
          this.#count(writer)
        },
        onWritten: () => {
          throttle.success()
          this.#count(writer)
        },
      }),
    }
    return writer
  }

  #count(writer: Writer): void {
    const n = writer.file.droppedLines - writer.counted
    if (n <= 0) return
    writer.counted += n
    this.#events.dropped(writer.agent, n)
  }
}
