import type { FileHandle } from 'node:fs/promises'
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

export async function syncDir(dir: FileHandle, path: string): Promise<void> {
  try {
    await dir.sync()
  } catch (cause) {
    throw new StoreIOError({ path, operation: 'fsync the directory of', cause })
  }
}

/** Temp names write-file-atomic 7 uses: `<target>.<uint32>`. */
export const TEMP_FILE = /^[A-Za-z0-9._-]+\.json\.\d+$/
