import { digitsEnd, digitsValue, procBuffer, readFd, readPath } from './reader.js'
import { pageSize } from './system.js'

/** Memory of a process from `/proc/<pid>/statm`, bytes. */
export interface ProcStatm {
  /** Virtual memory size (field 1, total_vm). */
  readonly vmsBytes: number
  /** Resident set size (field 2): the exact sum, like status's VmRSS. */
  readonly rssBytes: number
}

/** Parses statm bytes in `buf[0, len)` ("size resident shared text lib data dt", in pages). */
function parseStatmBuffer(buf: Buffer, len: number): ProcStatm | undefined {
  const vmsEnd = digitsEnd(buf, 0, len)
  if (vmsEnd === 0 || buf[vmsEnd] !== 0x20) return undefined
  const rssStart = vmsEnd + 1
  const rssEnd = digitsEnd(buf, rssStart, len)
  if (rssEnd === rssStart) return undefined
  const page = pageSize()
  return { vmsBytes: digitsValue(buf, 0, vmsEnd) * page, rssBytes: digitsValue(buf, rssStart, rssEnd) * page }
}

/** Parses the text of `/proc/<pid>/statm`. */
export function parseStatm(text: string): ProcStatm | undefined {
  const buf = Buffer.from(text, 'latin1')
  return parseStatmBuffer(buf, buf.length)
}

/** Re-reads `/proc/<pid>/statm` through an open fd. Throws ESRCH once that process has died. */
export function readStatmFd(fd: number): ProcStatm | undefined {
  return parseStatmBuffer(procBuffer, readFd(fd))
}

/** Reads `/proc/<pid>/statm` by path. Throws ENOENT when there is no such pid. */
export function readStatmPath(pid: number): ProcStatm | undefined {
  return parseStatmBuffer(procBuffer, readPath(`/proc/${pid}/statm`))
}
