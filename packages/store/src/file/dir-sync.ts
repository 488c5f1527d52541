import { type FileHandle, open } from 'node:fs/promises'
import { StoreIOError } from '../errors.js'

/** Filesystems that cannot fsync a directory say so with these; the rename is then as durable as they make it. */
const DIR_FSYNC_UNSUPPORTED = new Set(['EINVAL', 'ENOTSUP', 'EOPNOTSUPP'])

/** fsyncs the directory, so a rename (or unlink) in it survives a power cut. */
export async function syncDir(dir: FileHandle, path: string): Promise<void> {
  try {
    await dir.sync()
  } catch (cause) {
    if (DIR_FSYNC_UNSUPPORTED.has((cause as NodeJS.ErrnoException).code ?? '')) return
    throw new StoreIOError({ path, operation: 'fsync the directory of', cause })
  }
}

/** A handle to fsync `dir` with, or undefined where directories cannot be opened (Windows: EISDIR). */
export async function openDir(dir: string): Promise<FileHandle | undefined> {
  try {
    return await open(dir, 'r')
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EISDIR') return undefined
    throw new StoreIOError({ path: dir, operation: 'open for fsync', cause })
  }
}
