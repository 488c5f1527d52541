import { isDeniedError, numberAfter, procBuffer, readFd, readPath } from './reader.js'

/** Cumulative storage I/O of a process from `/proc/<pid>/io`, bytes. */
export interface ProcIo {
  /** read_bytes: bytes this process caused to be fetched from storage. */
  readonly readBytes: number
  /** write_bytes: bytes this process caused to be sent to storage. */
  readonly writeBytes: number
}

const READ_BYTES = Buffer.from('\nread_bytes:')
const WRITE_BYTES = Buffer.from('\nwrite_bytes:')

/** Parses io bytes in `buf[0, len)`; undefined when the keys are missing. */
function parseIoBuffer(buf: Buffer, len: number): ProcIo | undefined {
  const read = numberAfter(buf, len, READ_BYTES, 0)
  if (read === undefined) return undefined
  const write = numberAfter(buf, len, WRITE_BYTES, read.end)
  return write === undefined ? undefined : { readBytes: read.value, writeBytes: write.value }
}

/** Parses the text of `/proc/<pid>/io`. */
export function parseIo(text: string): ProcIo | undefined {
  const buf = Buffer.from(text, 'latin1')
  return parseIoBuffer(buf, buf.length)
}

/**
 * Reads io through an open fd (`fd`) or by path (`pid`). null when access is denied (another
 * user's process: the kernel checks at open and again at every read) — unknown, never a fake 0.
 * Throws ENOENT/ESRCH when the process is gone.
 */
export function readIo(source: { readonly fd: number } | { readonly pid: number }): ProcIo | null {
  try {
    const len = 'fd' in source ? readFd(source.fd) : readPath(`/proc/${source.pid}/io`)
    return parseIoBuffer(procBuffer, len) ?? null
  } catch (error) {
    if (isDeniedError(error)) return null
    throw error
  }
}
