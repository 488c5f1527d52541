import { type ProcStat, parseStat } from '@warden/utils'
import { procBuffer, readFd, readPath } from './reader.js'

export { isExited, type ProcStat } from '@warden/utils'

/** Fields after ") " that core's parseStat reads: state (field 3) up to rss (field 24). */
const FIELDS_USED = 22

/**
 * End of the last field parseStat reads: the 30 fields after it are never used, and not turning
 * them into strings makes the parse ~20% cheaper. `len` when the line is shorter.
 */
function endOfUsedFields(len: number): number {
  const close = procBuffer.lastIndexOf(0x29, len - 1)
  if (close < 0) return len
  let spaces = 0
  for (let i = close + 2; i < len; i++) {
    if (procBuffer[i] === 0x20 && ++spaces === FIELDS_USED) return i
  }
  return len
}

/** Parses the stat text now in {@link procBuffer} (`len` bytes) with core's parser (fields after the LAST ')'). */
function parseBuffer(len: number): ProcStat | undefined {
  return parseStat(procBuffer.toString('latin1', 0, endOfUsedFields(len)))
}

/** Re-reads `/proc/<pid>/stat` through an open fd. Throws ESRCH once that process has died. */
export function readStatFd(fd: number): ProcStat | undefined {
  return parseBuffer(readFd(fd))
}

/** Reads `/proc/<pid>/stat` by path. Throws ENOENT when there is no such pid. */
export function readStatPath(pid: number): ProcStat | undefined {
  return parseBuffer(readPath(`/proc/${pid}/stat`))
}
