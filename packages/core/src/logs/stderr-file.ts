import { randomBytes } from 'node:crypto'
import { closeSync, constants, fstatSync, ftruncateSync, openSync, readSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LineTail, type TailLimits } from './line-tail.js'

/** Beyond this the file is emptied (its tail kept in memory): an agent's stderr cannot fill the disk. */
const MAX_FILE_BYTES = 256 * 1024
const CHECK_EVERY_MS = 500

/** Identifies the file across a supervisor restart (see `attach`). */
export interface StderrFileIdentity {
  readonly dev: number
  readonly ino: number
}

/**
 * Where an agent's stderr goes when no log file or event needs it: an unlinked temporary file
 * that the agent writes itself (O_APPEND). Unlike a pipe to the supervisor, it survives a
 * supervisor crash (no EPIPE/SIGPIPE for the agent), and its tail is complete the moment the
 * agent exits. One file serves a whole run (all processes between two clean stops, which share
 * their leftovers); it is emptied now and then so it stays small.
 */
export class StderrFile {
  readonly identity: StderrFileIdentity
  readonly #fd: number
  readonly #limits: TailLimits
  readonly #timer: NodeJS.Timeout
  /** The tail of what was emptied since the current process started. */
  #carry: Buffer = Buffer.alloc(0)
  #closed = false

  private constructor(fd: number, limits: TailLimits) {
    this.#fd = fd
    this.#limits = limits
    const st = fstatSync(fd)
    this.identity = { dev: st.dev, ino: st.ino }
    this.#timer = setInterval(() => this.#bound(), CHECK_EVERY_MS)
    this.#timer.unref()
  }

  /** A new file in the temp dir; throws when it cannot be made. */
  static create(limits: TailLimits): StderrFile {
    const path = join(tmpdir(), `warden-stderr-${randomBytes(8).toString('hex')}`)
    const fd = openSync(
      path,
      constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_APPEND,
      0o600,
    )
    unlinkSync(path)
    return new StderrFile(fd, limits)
  }

  /**
   * Re-opens the file a running process (`pid`) writes its stderr to, through /proc, if it is
   * the one `identity` names (after a supervisor restart). Undefined otherwise.
   */
  static attach(pid: number, identity: StderrFileIdentity, limits: TailLimits): StderrFile | undefined {
    let fd: number
    try {
      fd = openSync(`/proc/${pid}/fd/2`, constants.O_RDWR | constants.O_APPEND)
    } catch {
      return undefined
    }
    try {
      const st = fstatSync(fd)
      if (st.isFile() && st.dev === identity.dev && st.ino === identity.ino && st.nlink === 0) {
        return new StderrFile(fd, limits)
      }
    } catch {
      // Fall through: not ours.
    }
    closeSync(fd)
    return undefined
  }

  /**
   * A write-only descriptor of the file for the next process (the caller closes it once the
   * process is spawned). Empties the file: its tail is that process's only.
   */
  openForChild(): number {
    ftruncateSync(this.#fd, 0)
    this.#carry = Buffer.alloc(0)
    return openSync(`/proc/self/fd/${this.#fd}`, constants.O_WRONLY | constants.O_APPEND)
  }

  /** The last lines written since the current process started. */
  tail(): string[] {
    const tail = new LineTail(this.#limits)
    if (this.#closed || this.#limits.lines === 0) return tail.lines()
    const want = this.#limits.maxBytes + 1
    const size = fstatSync(this.#fd).size
    const fromFile = Math.min(size, want)
    const buf = Buffer.alloc(fromFile)
    readSync(this.#fd, buf, 0, fromFile, size - fromFile)
    let text = buf
    if (fromFile < want && this.#carry.length > 0) text = Buffer.concat([this.#carry, buf]).subarray(-want)
    // A full window may start mid-line: that partial line is dropped.
    tail.pushText(text.length < want ? text : text.subarray(text.indexOf(0x0a) + 1))
    return tail.lines()
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#timer)
    closeSync(this.#fd)
  }

  #bound(): void {
    try {
      const size = fstatSync(this.#fd).size
      if (size <= MAX_FILE_BYTES) return
      const keep = Math.min(size, this.#limits.maxBytes + 1)
      const buf = Buffer.alloc(keep)
      readSync(this.#fd, buf, 0, keep, size - keep)
      this.#carry = buf
      ftruncateSync(this.#fd, 0)
    } catch {
      // The file is ours and open: nothing sensible fails here; the next check retries.
    }
  }
}
