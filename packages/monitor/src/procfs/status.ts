import { numberAfter, procBuffer, readFd, readPath } from './reader.js'

/** The fields of `/proc/<pid>/status` the sampler uses, in bytes and counts. */
export interface ProcStatus {
  /** VmRSS: resident set size, bytes. 0 for a kernel thread (no memory map). */
  readonly rssBytes: number
  /** VmSize: virtual memory size, bytes. */
  readonly vmsBytes: number
  /** VmSwap: swapped-out anonymous memory, bytes. */
  readonly swapBytes: number
  /** Threads: number of threads. */
  readonly threads: number
}

const VM_SIZE = Buffer.from('VmSize:')
const VM_RSS = Buffer.from('VmRSS:')
const VM_SWAP = Buffer.from('VmSwap:')
const THREADS = Buffer.from('Threads:')

/**
 * Parses status bytes in `buf[0, len)`. The kernel prints the keys in this order, so each search
 * starts where the previous key ended. Vm* lines are absent for kernel threads: 0, not an error.
 * Returns undefined when there is no Threads line (not a status file).
 */
function parseStatusBuffer(buf: Buffer, len: number): ProcStatus | undefined {
  let from = 0
  const size = numberAfter(buf, len, VM_SIZE, from)
  from = size?.end ?? from
  const rss = numberAfter(buf, len, VM_RSS, from)
  from = rss?.end ?? from
  const swap = numberAfter(buf, len, VM_SWAP, from)
  from = swap?.end ?? from
  const threads = numberAfter(buf, len, THREADS, from)
  if (threads === undefined) return undefined
  // The Vm* values are printed in kB (KiB).
  return {
    rssBytes: (rss?.value ?? 0) * 1024,
    vmsBytes: (size?.value ?? 0) * 1024,
    swapBytes: (swap?.value ?? 0) * 1024,
    threads: threads.value,
  }
}

/** Parses the text of `/proc/<pid>/status`. */
export function parseStatus(text: string): ProcStatus | undefined {
  const buf = Buffer.from(text, 'latin1')
  return parseStatusBuffer(buf, buf.length)
}

/** Re-reads `/proc/<pid>/status` through an open fd. Throws ESRCH once that process has died. */
export function readStatusFd(fd: number): ProcStatus | undefined {
  return parseStatusBuffer(procBuffer, readFd(fd))
}

/** Reads `/proc/<pid>/status` by path. Throws ENOENT when there is no such pid. */
export function readStatusPath(pid: number): ProcStatus | undefined {
  return parseStatusBuffer(procBuffer, readPath(`/proc/${pid}/status`))
}
