import { type FileHandle, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { StoreIOError } from '../errors.js'
import { TEMP_FILE } from './atomic-write.js'
import { syncDir } from './dir-sync.js'
import { LOCK_TEMP } from './lock.js'

/**
 * Removes, from `names` in `dir`, the temp files of records and of the lock that a killed process
 * left (the caller holds the lock, so none is in use), and returns their paths. Unlinked, never
 * followed; a directory with such a name is left alone.
 */
export async function removeTempFiles(
  dir: string,
  names: readonly string[],
  dirHandle: FileHandle | undefined,
): Promise<string[]> {
  const removed: string[] = []
  for (const name of names) {
    if (!TEMP_FILE.test(name) && !LOCK_TEMP.test(name)) continue
    const path = join(dir, name)
    try {
      await unlink(path)
      removed.push(path)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'EISDIR') {
        throw new StoreIOError({ path, operation: 'remove the stale temp file', cause: error })
      }
    }
  }
  if (removed.length > 0 && dirHandle !== undefined) await syncDir(dirHandle, dir)
  return removed
}
