import { type FileHandle, open } from 'node:fs/promises'
import writeFileAtomic from 'write-file-atomic'
import { StoreIOError } from '../errors.js'

/**
 * Temp file + fsync + rename (write-file-atomic), then, when `dir` is given, fsync of the
 * directory so the rename itself survives a power cut — write-file-atomic does not do that.
 */
export async function writeDurable(
  path: string,
  data: string | Buffer,
  fsync: boolean,
  dir?: FileHandle,
): Promise<void> {
  try {
    await writeFileAtomic(path, data, { fsync })
  } catch (cause) {
    throw new StoreIOError({ path, operation: 'write', cause })
  }
  if (fsync && dir !== undefined) await syncDir(dir, path)
}

/** Filesystems that cannot fsync a directory say so with these; the rename is then as durable as they make it. */
const DIR_FSYNC_UNSUPPORTED = new Set(['EINVAL', 'ENOTSUP', 'EOPNOTSUPP'])

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

/** Temp names write-file-atomic 7 uses: `<target>.<uint32>`. */
export const TEMP_FILE = /^[A-Za-z0-9._-]+\.json\.\d+$/
