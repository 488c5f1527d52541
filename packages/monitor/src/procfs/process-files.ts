import { closeSync, openSync } from 'node:fs'
import { countFds, countFdsOfDir, openFdDir } from './fd-count.js'
import { type ProcIo, readIo } from './io.js'
import { ProcParseError } from './parse-error.js'
import { isGoneError } from './reader.js'
import { type ProcStat, readStatFd, readStatPath } from './stat.js'
import { readStatmFd, readStatmPath } from './statm.js'
import { readStatusFd, readStatusPath } from './status.js'
import { monotonicMs } from './system.js'

/** Everything one sample of one process reads. */
export interface ProcessReading {
  readonly stat: ProcStat
  /** Resident set size, bytes (exact: from statm or status, not stat's per-cpu estimate). */
  readonly rssBytes: number
  /** Virtual memory size, bytes. */
  readonly vmsBytes: number
  readonly threads: number
  /** null when /proc/<pid>/io may not be read (another user's process). */
  readonly io: ProcIo | null
  /** null when /proc/<pid>/fd may not be read. */
  readonly openFiles: number | null
  /** Monotonic ms when the reading was taken. */
  readonly atMs: number
}

/**
 * Which file gives memory: `statm` (default: exact RSS, ~0.8 µs) or `status` (the same exact
 * RSS plus VmSwap and Threads, but ~4 µs per process to print).
 */
export type MemoryFile = 'statm' | 'status'

interface Memory {
  readonly rssBytes: number
  readonly vmsBytes: number
  /** Only status has it; stat's num_threads is used otherwise. */
  readonly threads?: number
}

function closeQuietly(fd: number | null): void {
  if (fd === null) return
  try {
    closeSync(fd)
  } catch {
    // Already closed: nothing to release.
  }
}

function combine(
  stat: ProcStat,
  memory: Memory,
  io: ProcIo | null,
  openFiles: number | null,
  atMs: number,
): ProcessReading {
  return {
    stat,
    rssBytes: memory.rssBytes,
    vmsBytes: memory.vmsBytes,
    threads: memory.threads ?? stat.numThreads,
    io,
    openFiles,
    atMs,
  }
}

/**
 * The open `/proc/<pid>/{stat,statm|status,io,fd}` descriptors of ONE process. Re-reading them
 * with a positioned read saves open+close per file, and an open /proc descriptor fails with
 * ESRCH once its process dies, so a reused pid can never be read through it.
 */
export class ProcessFiles {
  /** The most fds one process holds: stat, statm|status, io, fd directory. */
  static readonly MAX_FDS = 4
  readonly pid: number
  readonly #memoryFile: MemoryFile
  readonly #stat: number
  readonly #memory: number
  readonly #io: number | null
  readonly #fdDir: number | null
  #closed = false

  private constructor(
    pid: number,
    memoryFile: MemoryFile,
    fds: { stat: number; memory: number; io: number | null; fdDir: number | null },
  ) {
    this.pid = pid
    this.#memoryFile = memoryFile
    this.#stat = fds.stat
    this.#memory = fds.memory
    this.#io = fds.io
    this.#fdDir = fds.fdDir
  }

  /**
   * Opens the files of `pid` and takes the first reading. undefined when the process is gone.
   * Throws other errors (EMFILE: the caller reads by path instead).
   */
  static open(
    pid: number,
    memoryFile: MemoryFile,
  ): { readonly files: ProcessFiles; readonly reading: ProcessReading } | undefined {
    const opened: (number | null)[] = []
    try {
      const stat = openSync(`/proc/${pid}/stat`, 'r')
      opened.push(stat)
      const memory = openSync(`/proc/${pid}/${memoryFile}`, 'r')
      opened.push(memory)
      const io = openIo(pid)
      opened.push(io)
      const fdDir = openFdDir(pid)
      opened.push(fdDir)
      const files = new ProcessFiles(pid, memoryFile, { stat, memory, io, fdDir })
      // read() reads stat last: success proves the process outlived every open, so all the fds
      // belong to it, not to a successor that took the pid meanwhile.
      const first = files.read()
      if (first === undefined) {
        files.close()
        return undefined
      }
      return { files, reading: first }
    } catch (error) {
      for (const fd of opened) closeQuietly(fd)
      if (isGoneError(error)) return undefined
      throw error
    }
  }

  /** A fresh reading; undefined once the process has died (ESRCH/ENOENT). Other errors throw. */
  read(): ProcessReading | undefined {
    try {
      const memory = this.#memoryFile === 'statm' ? readStatmFd(this.#memory) : readStatusFd(this.#memory)
      if (memory === undefined) throw new ProcParseError({ path: `/proc/${this.pid}/${this.#memoryFile}` })
      const io = this.#io === null ? null : readIo({ fd: this.#io })
      const openFiles = this.#fdDir === null ? null : countFdsOfDir(this.#fdDir, this.pid)
      const atMs = monotonicMs()
      const stat = readStatFd(this.#stat)
      if (stat === undefined) throw new ProcParseError({ path: `/proc/${this.pid}/stat` })
      return combine(stat, memory, io, openFiles, atMs)
    } catch (error) {
      if (isGoneError(error)) return undefined
      throw error
    }
  }

  /** How many fds this holds (io and the fd directory are missing when access was denied). */
  get fdCount(): number {
    return 2 + (this.#io === null ? 0 : 1) + (this.#fdDir === null ? 0 : 1)
  }

  /** Closes every descriptor; idempotent. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    closeQuietly(this.#stat)
    closeQuietly(this.#memory)
    closeQuietly(this.#io)
    closeQuietly(this.#fdDir)
  }
}

function openIo(pid: number): number | null {
  try {
    return openSync(`/proc/${pid}/io`, 'r')
  } catch (error) {
    if (isGoneError(error)) throw error
    // EACCES for another user's process; the io file may also be missing (no CONFIG_TASK_IO_ACCOUNTING).
    return null
  }
}

/** io by path; a missing file (no CONFIG_TASK_IO_ACCOUNTING) is null — stat, read last, decides gone. */
function readIoOrNull(pid: number): ProcIo | null {
  try {
    return readIo({ pid })
  } catch (error) {
    if (isGoneError(error)) return null
    throw error
  }
}

/**
 * One reading by path, opening and closing each file (the fallback when fds may not be kept).
 * stat is read last, so a caller that checks its start ticks knows the process lived through the
 * whole reading. undefined when the process is gone.
 */
export function readProcess(pid: number, memoryFile: MemoryFile): ProcessReading | undefined {
  try {
    const memory = memoryFile === 'statm' ? readStatmPath(pid) : readStatusPath(pid)
    if (memory === undefined) throw new ProcParseError({ path: `/proc/${pid}/${memoryFile}` })
    const io = readIoOrNull(pid)
    const openFiles = countFds(pid)
    const atMs = monotonicMs()
    const stat = readStatPath(pid)
    if (stat === undefined) throw new ProcParseError({ path: `/proc/${pid}/stat` })
    return combine(stat, memory, io, openFiles, atMs)
  } catch (error) {
    if (isGoneError(error)) return undefined
    throw error
  }
}
