import { ErrorThrottle } from './error-throttle.js'
import { RotatingFile } from './rotating-file.js'

export type LogStream = 'stdout' | 'stderr'

export interface LogFilesOptions {
  /** File per stream; the same path for both is one combined file. */
  readonly files: Partial<Record<LogStream, string>>
  readonly maxBytes: number
  readonly backups: number
  readonly maxQueueBytes: number
  readonly errorReportIntervalMs: number
  /** A destination failed (rate-limited: `suppressed` further failures since its last report). */
  readonly onError: (path: string, error: unknown, suppressed: number) => void
  /** A batch was written or failed: `droppedLines` may have changed. */
  readonly onSettled?: () => void
}

/** The rotating files of an agent's streams, one writer per path. */
export class LogFiles {
  readonly #files: Partial<Record<LogStream, RotatingFile>> = {}
  readonly #throttles: ErrorThrottle[] = []

  constructor(opts: LogFilesOptions) {
    for (const stream of ['stdout', 'stderr'] as const) {
      const path = opts.files[stream]
      if (path === undefined) continue
      const shared = stream === 'stderr' && opts.files.stdout === path ? this.#files.stdout : undefined
      if (shared !== undefined) {
        this.#files[stream] = shared
        continue
      }
      // A destination that keeps failing must not flood its reports (one failure per batch).
      const throttle = new ErrorThrottle(opts.errorReportIntervalMs, (error, suppressed) =>
        opts.onError(path, error, suppressed),
      )
      this.#throttles.push(throttle)
      this.#files[stream] = new RotatingFile({
        path,
        maxBytes: opts.maxBytes,
        backups: opts.backups,
        maxQueueBytes: opts.maxQueueBytes,
        onError: (error) => {
          throttle.failure(error)
          opts.onSettled?.()
        },
        onWritten: () => {
          throttle.success()
          opts.onSettled?.()
        },
      })
    }
  }

  /** The writer of `stream`, if it goes to a file. */
  of(stream: LogStream): RotatingFile | undefined {
    return this.#files[stream]
  }

  /** Lines dropped because the disk fell behind or a write failed. */
  get droppedLines(): number {
    let n = 0
    for (const f of new Set(Object.values(this.#files))) n += f.droppedLines
    return n
  }

  /** Writes what is queued, closes the files and reports what the throttles still hold. */
  async close(): Promise<void> {
    await Promise.all([...new Set(Object.values(this.#files))].map((f) => f.close()))
    for (const t of this.#throttles) t.close()
  }
}
