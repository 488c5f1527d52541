import type { ChildProcess } from 'node:child_process'
import { closeSync } from 'node:fs'
import type { Readable } from 'node:stream'
import type { ResolvedLogOptions } from '../options.js'
import { ErrorThrottle } from './error-throttle.js'
import { LineSplitter } from './line-splitter.js'
import { LineTail, type TailLimits } from './line-tail.js'
import { RotatingFile } from './rotating-file.js'
import { StderrFile } from './stderr-file.js'

export type LogStream = 'stdout' | 'stderr'

/** How long an exit waits for the last stderr lines still in a pipe (a leftover may hold it open). */
const TAIL_GRACE_MS = 500

/** The output plumbing of one process of the agent. */
export interface ProcessOutput {
  readonly stdio: ['ignore', 'pipe' | 'ignore', 'pipe' | 'ignore' | number]
  /** The process was spawned: read its pipes; the supervisor's copy of a descriptor is closed. */
  spawned(child: ChildProcess): void
  /** The spawn failed. */
  failed(): void
  /** The last stderr lines, once the process exited: at once, or when its stderr pipe ended. */
  tailAtExit(): string[] | Promise<string[]>
}

export interface AgentLogsEvents {
  line(stream: LogStream, line: string): void
  error(path: string, error: unknown, suppressed: number): void
}

/**
 * The output plumbing of one agent, kept across its restarts: each piped stream is read in flowing
 * mode (the pipe is always drained, so the agent never blocks on a full pipe), cut into whole
 * lines, and handed to a rotating file and/or a line callback. A stderr nobody reads goes to the
 * run's StderrFile instead, for the tail.
 */
export class AgentLogs {
  readonly #opts: ResolvedLogOptions | undefined
  readonly #tail: TailLimits
  readonly #events: AgentLogsEvents
  readonly #files: Partial<Record<LogStream, RotatingFile>> = {}
  readonly #throttles: ErrorThrottle[] = []
  readonly #open = new Set<Readable>()
  readonly #ended = new Set<() => void>()
  #stderrFile: StderrFile | undefined

  constructor(opts: ResolvedLogOptions | undefined, tail: TailLimits, events: AgentLogsEvents) {
    this.#opts = opts
    this.#tail = tail
    this.#events = events
    if (opts === undefined) return
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
        events.error(path, error, suppressed),
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

  /** Lines dropped by the file writers because the disk fell behind. */
  get droppedLines(): number {
    const files = new Set(Object.values(this.#files))
    let n = 0
    for (const f of files) n += f.droppedLines
    return n
  }

  /** The run's stderr file, if stderr goes to one (persisted to find it again after a restart). */
  get stderrFile(): StderrFile | undefined {
    return this.#stderrFile
  }

  /** Plumbing for the next process. Throws nothing: a stderr file that cannot be made means no tail. */
  prepare(): ProcessOutput {
    const piped = (s: LogStream): boolean => this.#files[s] !== undefined || this.#opts?.events === true
    const tail = new LineTail(this.#tail)
    let stderrFd: number | undefined
    if (!piped('stderr') && this.#tail.lines > 0) {
      try {
        this.#stderrFile ??= StderrFile.create(this.#tail)
        stderrFd = this.#stderrFile.openForChild()
      } catch {
        stderrFd = undefined
      }
    }
    const file = this.#stderrFile
    let stderrEnd: Promise<void> = Promise.resolve()
    const release = (): void => {
      if (stderrFd !== undefined) closeSync(stderrFd)
      stderrFd = undefined
    }
    return {
      stdio: [
        'ignore',
        piped('stdout') ? 'pipe' : 'ignore',
        piped('stderr') ? 'pipe' : (stderrFd ?? 'ignore'),
      ],
      spawned: (child) => {
        release()
        if (child.stdout) this.#read('stdout', child.stdout)
        if (child.stderr) stderrEnd = this.#read('stderr', child.stderr, tail)
      },
      failed: release,
      tailAtExit: () => {
        if (!piped('stderr')) return file?.tail() ?? []
        let timer: NodeJS.Timeout | undefined
        const grace = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, TAIL_GRACE_MS)
        })
        return Promise.race([stderrEnd, grace]).then(() => {
          clearTimeout(timer)
          return tail.lines()
        })
      },
    }
  }

  /** Re-attaches the stderr file of an adopted process (after a supervisor restart), if it is ours. */
  adoptStderrFile(file: StderrFile): void {
    this.#stderrFile?.close()
    this.#stderrFile = file
  }

  /** The run ended (a clean stop: nothing of it writes any more): its stderr file goes. */
  endRun(): void {
    this.#stderrFile?.close()
    this.#stderrFile = undefined
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
    this.endRun()
  }

  /** Reads one stream to its end; resolves when it closed. */
  #read(stream: LogStream, readable: Readable, tail?: LineTail): Promise<void> {
    const splitter = new LineSplitter({ maxLineBytes: this.#opts?.maxLineBytes ?? 1024 * 1024 })
    const file = this.#files[stream]
    const events = this.#opts?.events === true
    const onLine = (line: Buffer): void => {
      file?.writeLine(line)
      tail?.push(line)
      if (events) this.#events.line(stream, line.toString('utf8'))
    }
    this.#open.add(readable)
    readable.on('data', (chunk: Buffer) => splitter.push(chunk, onLine))
    readable.on('error', () => {})
    return new Promise((resolve) => {
      readable.once('close', () => {
        splitter.end(onLine)
        this.#open.delete(readable)
        resolve()
        if (this.#open.size === 0) {
          for (const done of this.#ended) done()
          this.#ended.clear()
        }
      })
    })
  }
}
