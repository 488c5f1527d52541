import { constants, type FileHandle, open, rename } from 'node:fs/promises'
import type { Supervisor } from '@warden/core'
import type { ResourceMonitor } from '@warden/monitor'
import { errnoCode, isAgentId, SerialQueue } from '@warden/utils'
import { EventFileError } from '../errors.js'
import { EVENT_NAMES, eventJSON, watchEvents } from './event-log.js'

/** One event as the file keeps it, one JSON object per line. */
export interface StoredEvent {
  /** ms since epoch when the server saw it. */
  readonly time: number
  readonly name: string
  readonly agent: string
  /** The payload, as `/v1/events` sends it. */
  readonly data: unknown
}

const NAMES = new Set(EVENT_NAMES)
const READ = constants.O_RDONLY | constants.O_NOFOLLOW
const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW

/**
 * The server's lifecycle and alert events on disk, so the dashboard's markers and
 * `/v1/events/recent` reach back past a restart of the daemon. Two files: `<path>` receives each
 * event as a line; once it holds `keep` events it becomes `<path>.1` (the previous `.1` goes) and
 * a new `<path>` starts — so at most 2 × `keep` events are on disk and `keep` are read back.
 * Neither file is ever opened through a symlink. Open it with `openEventFile()`, `record()` the
 * supervisor's and monitor's events into it, give it to `createServer({ eventFile })` (which starts
 * with its events), and `close()` it once the supervisor has stopped (so the last exits are in it).
 */
export class EventFile {
  readonly path: string
  readonly keep: number
  /** The events read back at open, oldest first (at most `keep`). */
  readonly initial: readonly StoredEvent[]
  /** Lines of the files that were not a valid event (a line cut by a crash, or damage), skipped. */
  readonly skipped: number
  readonly #queue = new SerialQueue()
  readonly #onError: (error: EventFileError) => void
  readonly #recorders = new Set<() => void>()
  #handle: FileHandle | undefined
  #lines: number
  #closed = false

  private constructor(o: {
    path: string
    keep: number
    initial: StoredEvent[]
    skipped: number
    lines: number
    onError: (error: EventFileError) => void
  }) {
    this.path = o.path
    this.keep = o.keep
    this.initial = o.initial
    this.skipped = o.skipped
    this.#lines = o.lines
    this.#onError = o.onError
  }

  /** Reads what the files hold (validated line by line) and opens `path` for appending. */
  static async open(
    path: string,
    { keep, onError = () => {} }: { keep: number; onError?: (error: EventFileError) => void },
  ): Promise<EventFile> {
    const { lines: older } = await readLines(`${path}.1`)
    const { lines: newer, cut } = await readLines(path)
    let skipped = 0
    const events: StoredEvent[] = []
    for (const line of [...older, ...newer]) {
      const event = parse(line)
      if (event === undefined) skipped++
      else events.push(event)
    }
    const file = new EventFile({
      path,
      keep,
      initial: events.slice(-keep),
      skipped,
      lines: newer.length,
      onError,
    })
    file.#handle = await openAppend(path)
    // A line cut by a crash must not run into the next event.
    if (cut) await file.#handle.writeFile('\n')
    return file
  }

  /** Queues `event` for the file; write failures go to `onError`, never to the caller. */
  append(event: StoredEvent): void {
    if (this.#closed) return
    const line = `${JSON.stringify(event)}\n`
    void this.#queue.run(async () => {
      try {
        if (this.#lines >= this.keep) await this.#rotate()
        // writeFile continues after a short write until every byte is in the file.
        await this.#handle?.writeFile(line)
        this.#lines++
      } catch (cause) {
        this.#onError(new EventFileError({ path: this.path, operation: 'write', cause }))
      }
    })
  }

  /**
   * Appends every lifecycle event of `supervisor` and alert event of `monitor` (as `/v1/events`
   * names and sends them) until the returned function, or `close()`, is called.
   */
  record(supervisor: Supervisor, monitor: ResourceMonitor): () => void {
    const stop = watchEvents(supervisor, monitor, (name, agent, payload) =>
      this.append({ time: Date.now(), name, agent, data: JSON.parse(eventJSON(payload)) }),
    )
    const detach = () => {
      stop()
      this.#recorders.delete(detach)
    }
    this.#recorders.add(detach)
    return detach
  }

  /** Stops recording, writes what is queued, then closes the file. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true
    for (const detach of [...this.#recorders]) detach()
    await this.#queue.idle()
    await this.#handle?.close()
    this.#handle = undefined
  }

  async #rotate(): Promise<void> {
    await this.#handle?.close()
    this.#handle = undefined
    // rename() replaces a planted link at `.1` rather than following it.
    await rename(this.path, `${this.path}.1`)
    this.#handle = await openAppend(this.path)
    this.#lines = 0
  }
}

/** `EventFile.open(path, { keep, onError })`. */
export function openEventFile(
  path: string,
  options: { keep: number; onError?: (error: EventFileError) => void },
): Promise<EventFile> {
  return EventFile.open(path, options)
}

async function openAppend(path: string): Promise<FileHandle> {
  try {
    const handle = await open(path, APPEND, 0o600)
    if (!(await handle.stat()).isFile()) {
      await handle.close()
      throw new Error('not a regular file')
    }
    return handle
  } catch (cause) {
    throw new EventFileError({ path, operation: 'open', cause })
  }
}

/** The file's non-empty lines, and whether its last line has no end (cut by a crash). */
async function readLines(path: string): Promise<{ lines: string[]; cut: boolean }> {
  let handle: FileHandle
  try {
    handle = await open(path, READ)
  } catch (cause) {
    if (errnoCode(cause) === 'ENOENT') return { lines: [], cut: false }
    throw new EventFileError({ path, operation: 'read', cause })
  }
  try {
    if (!(await handle.stat()).isFile()) throw new Error('not a regular file')
    const text = await handle.readFile('utf8')
    return { lines: text.split('\n').filter((l) => l !== ''), cut: text !== '' && !text.endsWith('\n') }
  } catch (cause) {
    throw new EventFileError({ path, operation: 'read', cause })
  } finally {
    await handle.close()
  }
}

/** A line as strictly as it was written: the four keys, a known name, an agent id, an epoch ms. */
function parse(line: string): StoredEvent | undefined {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return undefined
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
  const { time, name, agent, data, ...rest } = value as Record<string, unknown>
  if (Object.keys(rest).length > 0) return undefined
  if (!Number.isSafeInteger(time) || (time as number) < 0) return undefined
  if (typeof name !== 'string' || !NAMES.has(name)) return undefined
  if (typeof agent !== 'string' || !isAgentId(agent)) return undefined
  if (data === null || typeof data !== 'object') return undefined
  return { time: time as number, name, agent, data }
}
