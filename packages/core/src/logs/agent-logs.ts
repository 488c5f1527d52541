import type { ChildProcess } from 'node:child_process'
import type { Readable } from 'node:stream'
import type { ResolvedLogOptions } from '../options.js'
import { ErrorThrottle } from './error-throttle.js'
import { LineSplitter } from './line-splitter.js'
import { RotatingFile } from './rotating-file.js'

export type LogStream = 'stdout' | 'stderr'

/**
 * The log plumbing of one agent, kept across its restarts: each stream is read in flowing mode
 * (the pipe is always drained, so the agent never blocks on a full pipe), cut into whole lines,
 * and handed to a rotating file and/or a line callback.
 */
export class AgentLogs {
  readonly #opts: ResolvedLogOptions
  readonly #files: Partial<Record<LogStream, RotatingFile>> = {}
  readonly #throttles: ErrorThrottle[] = []
  readonly #onLine: (stream: LogStream, line: string) => void
  readonly #open = new Set<Readable>()
  readonly #ended = new Set<() => void>()

  constructor(
    opts: ResolvedLogOptions,
    onLine: (stream: LogStream, line: string) => void,
    onError: (path: string, error: unknown, suppressed: number) => void,
  ) {
    this.#opts = opts
    this.#onLine = onLine
    for (const stream of ['stdout', 'stderr'] as const) {
      const path = opts[stream]
      if (path === undefined) continue
      const shared = stream === 'stderr' && opts.stdout === path ? this.#files.stdout : undefined
      if (shared !== undefined) {
        this.#files[stream] = shared
        continue
      }
      // A destination that keeps failing must not flood agent:error (one failure per batch).
      const throttle = new ErrorThrottle(opts.errorReportIntervalMs, (error, suppressed) =>
        onError(path, error, suppressed),
      )
      this.#throttles.push(throttle)
      this.#files[stream] = new RotatingFile({
        path,
        maxBytes: opts.maxBytes,
        backups: opts.backups,
        maxQueueBytes: opts.maxQueueBytes,
        onError: (error) => throttle.failure(error),
        onWritten: () => throttle.success(),
      })
    }
  }

  /** `stdio` for spawn(): a pipe only for the streams someone reads. */
  stdio(): ['ignore', 'pipe' | 'ignore', 'pipe' | 'ignore'] {
    const want = (s: LogStream) => (this.#files[s] !== undefined || this.#opts.events ? 'pipe' : 'ignore')
    return ['ignore', want('stdout'), want('stderr')]
  }

  /** Lines dropped by the file writers because the disk fell behind. */
  get droppedLines(): number {
    const files = new Set(Object.values(this.#files))
    let n = 0
    for (const f of files) n += f.droppedLines
    return n
  }

  attach(child: ChildProcess): void {
    if (child.stdout) this.#read('stdout', child.stdout)
    if (child.stderr) this.#read('stderr', child.stderr)
  }

  /** Resolves once every attached stream has ended and its lines are on disk. */
  async flush(): Promise<void> {
    while (this.#open.size > 0) await new Promise<void>((resolve) => this.#ended.add(resolve))
    await Promise.all(Object.values(this.#files).map((f) => f.flush()))
  }

  /**
   * Waits up to `graceMs` for the streams to end (a process we did not kill, reparented to init,
   * may hold the pipe forever), then closes the files.
   */
  async close(graceMs = 2000): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([this.flush(), new Promise((r) => (timer = setTimeout(r, graceMs)))])
    clearTimeout(timer)
    for (const s of this.#open) s.destroy()
    await Promise.all([...new Set(Object.values(this.#files))].map((f) => f.close()))
    for (const t of this.#throttles) t.close()
  }

  #read(stream: LogStream, readable: Readable): void {
    const splitter = new LineSplitter({ maxLineBytes: this.#opts.maxLineBytes })
    const file = this.#files[stream]
    const events = this.#opts.events
    const onLine = (line: Buffer): void => {
      file?.writeLine(line)
      if (events) this.#onLine(stream, line.toString('utf8'))
    }
    this.#open.add(readable)
    readable.on('data', (chunk: Buffer) => splitter.push(chunk, onLine))
    readable.on('error', () => {})
    readable.once('close', () => {
      splitter.end(onLine)
      this.#open.delete(readable)
      if (this.#open.size === 0) {
        for (const resolve of this.#ended) resolve()
        this.#ended.clear()
      }
    })
  }
}
