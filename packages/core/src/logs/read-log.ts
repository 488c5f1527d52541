import { constants } from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'
import type { LogStream } from './agent-logs.js'

/** Where a reader of a log file stopped: the file (device and inode) and the byte after its last whole line. */
export interface LogPosition {
  /** `<dev>:<ino>` of the file read; a rotation gives the path another one. */
  readonly file: string
  readonly offset: number
}

export interface ReadLogOptions {
  /** @default 'stdout' */
  readonly stream?: LogStream
  /** Without `from`: the last `lines` whole lines. @default 100 */
  readonly lines?: number
  /** Read the whole lines written since this position (a previous read's `position`) instead of the tail. */
  readonly from?: LogPosition
  /** Most bytes one read returns; a follower reads again for the rest. @default 1048576 */
  readonly maxBytes?: number
}

export interface LogRead {
  readonly stream: LogStream
  readonly path: string
  /** Whole lines, oldest first, without their newline. */
  readonly lines: string[]
  /** Pass as `from` to get what comes next. */
  readonly position: LogPosition
  /** Lines may be missing before these: the file was truncated, or it rotated more than once since `from`. */
  readonly gap: boolean
}

export type OpenForReading = (path: string) => Promise<FileHandle>

const CHUNK = 64 * 1024
// O_NONBLOCK: a FIFO at the path cannot hang the open.
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK

/** Opens with the reader's own rights: right when the agent runs as the reader's user. */
export const openPlain: OpenForReading = (path) => open(path, READ_FLAGS)

interface Opened {
  readonly handle: FileHandle
  readonly file: string
  readonly size: number
}

async function openLog(path: string, openFile: OpenForReading): Promise<Opened | undefined> {
  let handle: FileHandle
  try {
    handle = await openFile(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const st = await handle.stat({ bigint: true })
  if (!st.isFile()) {
    await handle.close()
    throw Object.assign(new Error(`EINVAL: not a regular file, open '${path}'`), { code: 'EINVAL', path })
  }
  return { handle, file: `${st.dev}:${st.ino}`, size: Number(st.size) }
}

/** Whole lines from `start` (at most `maxBytes`); `end` is the byte after the last one. */
async function readForward(
  handle: FileHandle,
  start: number,
  size: number,
  maxBytes: number,
): Promise<{ lines: string[]; end: number }> {
  const length = Math.min(size - start, maxBytes)
  if (length <= 0) return { lines: [], end: start }
  const buf = Buffer.allocUnsafe(length)
  const { bytesRead } = await handle.read(buf, 0, length, start)
  const data = buf.subarray(0, bytesRead)
  let cut = data.lastIndexOf(0x0a) + 1
  // A line longer than maxBytes is handed over in pieces rather than never.
  if (cut === 0 && bytesRead === maxBytes) cut = bytesRead
  if (cut === 0) return { lines: [], end: start }
  const text = data.subarray(0, cut).toString('utf8')
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n')
  return { lines, end: start + cut }
}

/** The last `count` whole lines before the end (at most `maxBytes` of them). */
async function readTail(
  handle: FileHandle,
  size: number,
  count: number,
  maxBytes: number,
): Promise<{ lines: string[]; end: number }> {
  const chunks: Buffer[] = []
  let pos = size
  let end = -1
  let newlines = 0
  while (pos > 0 && size - pos < maxBytes) {
    const length = Math.min(CHUNK, pos, maxBytes - (size - pos))
    pos -= length
    const buf = Buffer.allocUnsafe(length)
    const { bytesRead } = await handle.read(buf, 0, length, pos)
    const chunk = buf.subarray(0, bytesRead)
    chunks.unshift(chunk)
    for (let i = chunk.length - 1; i >= 0; i--) {
      if (chunk[i] !== 0x0a) continue
      if (end === -1) end = pos + i + 1
      else newlines++
    }
    // One newline more than the lines wanted marks where the first of them starts.
    if (end !== -1 && newlines >= count) break
  }
  if (end === -1) return { lines: [], end: 0 }
  const text = Buffer.concat(chunks).subarray(0, end - pos)
  const all = text.toString('utf8').slice(0, -1).split('\n')
  // The oldest piece is a partial line when the read stopped inside one.
  const whole = pos === 0 ? all : all.slice(1)
  return { lines: whole.slice(-count), end }
}

/**
 * Reads an agent's log file: its tail, or what was written since a position. A rotation since
 * `from` (the path now another file) is followed: the rest of `<path>.1` first, when that is the
 * file `from` was in.
 */
export async function readLogFile(
  path: string,
  stream: LogStream,
  opts: { readonly lines: number; readonly from: LogPosition | undefined; readonly maxBytes: number },
  openFile: OpenForReading,
): Promise<LogRead> {
  const current = await openLog(path, openFile)
  try {
    const empty = { file: current?.file ?? '', offset: 0 }
    const { from, maxBytes } = opts
    if (from === undefined) {
      if (current === undefined) return { stream, path, lines: [], position: empty, gap: false }
      const { lines, end } = await readTail(current.handle, current.size, opts.lines, maxBytes)
      return { stream, path, lines, position: { file: current.file, offset: end }, gap: false }
    }
    if (current !== undefined && current.file === from.file) {
      const truncated = current.size < from.offset
      const start = truncated ? 0 : from.offset
      const { lines, end } = await readForward(current.handle, start, current.size, maxBytes)
      return { stream, path, lines, position: { file: current.file, offset: end }, gap: truncated }
    }
    const rotated = await openLog(`${path}.1`, openFile).catch(() => undefined)
    try {
      if (rotated !== undefined && rotated.file === from.file && rotated.size > from.offset) {
        const { lines, end } = await readForward(rotated.handle, from.offset, rotated.size, maxBytes)
        const done = end >= rotated.size
        return { stream, path, lines, position: done ? empty : { file: from.file, offset: end }, gap: false }
      }
      const seen = rotated !== undefined && rotated.file === from.file
      if (current === undefined)
        return { stream, path, lines: [], position: empty, gap: !seen && from.file !== '' }
      const { lines, end } = await readForward(current.handle, 0, current.size, maxBytes)
      return {
        stream,
        path,
        lines,
        position: { file: current.file, offset: end },
        gap: !seen && from.file !== '',
      }
    } finally {
      await rotated?.handle.close()
    }
  } finally {
    await current?.handle.close()
  }
}
