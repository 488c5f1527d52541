import { constants, type FileHandle, open } from 'node:fs/promises'
import { join } from 'node:path'
import { NotRegularFileError } from '../errors.js'
import { FILE_MODE } from '../file/atomic-write.js'

/** `journal-<10-digit sequence>.wal`: the order segments were written in. */
export const SEGMENT_FILE = /^journal-(\d{10})\.wal$/

/** Never through a symlink, never onto an existing entry: a planted one makes the writer take the next name. */
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW
/** O_NONBLOCK: a FIFO planted at a segment's name cannot hang the open. */
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK

export interface SegmentName {
  readonly seq: number
  readonly path: string
}

export function segmentPath(dir: string, seq: number): string {
  return join(dir, `journal-${String(seq).padStart(10, '0')}.wal`)
}

/** The segments among a directory's `names`, oldest first. */
export function segmentsIn(dir: string, names: readonly string[]): SegmentName[] {
  const found: SegmentName[] = []
  for (const name of names) {
    const match = SEGMENT_FILE.exec(name)
    if (match !== null) found.push({ seq: Number(match[1]), path: join(dir, name) })
  }
  return found.sort((a, b) => a.seq - b.seq)
}

/** Creates a new, empty segment (0600); throws EEXIST when anything holds the name. */
export function createSegment(path: string): Promise<FileHandle> {
  return open(path, CREATE_FLAGS, FILE_MODE)
}

/**
 * Opens a segment to read: undefined when it is gone (deleted once covered), `NotRegularFileError`
 * for a symlink or special file (never followed or read). Other errors are thrown as they are.
 */
export async function openSegment(path: string, flags: number = READ_FLAGS): Promise<FileHandle | undefined> {
  let handle: FileHandle
  try {
    handle = await open(path, flags)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    if (code === 'ELOOP') throw new NotRegularFileError({ path, kind: 'a symbolic link' })
    if (code === 'ENXIO') throw new NotRegularFileError({ path, kind: 'a socket' })
    throw error
  }
  const stats = await handle.stat().catch(async (error: unknown) => {
    await handle.close().catch(() => undefined)
    throw error
  })
  if (!stats.isFile()) {
    await handle.close().catch(() => undefined)
    throw new NotRegularFileError({ path, kind: stats.isDirectory() ? 'a directory' : 'a special file' })
  }
  return handle
}

/** Read-write, for the writer's recovery (it cuts damaged tails off). */
export const RECOVER_FLAGS = constants.O_RDWR | constants.O_NOFOLLOW | constants.O_NONBLOCK
