import { type FileHandle, lstat, rename } from 'node:fs/promises'
import { StoreIOError } from '../errors.js'
import { syncDir } from './dir-sync.js'

/**
 * Renames a corrupt entry (a file, or the link itself) to `<path>.corrupt-<ms>` (`-<n>` added on
 * a clash), keeping its bytes, and returns the new path; then fsyncs `dir` when given.
 */
export async function moveAside(path: string, dir: FileHandle | undefined): Promise<string> {
  const quarantinePath = await freeName(`${path}.corrupt-${Date.now()}`)
  try {
    await rename(path, quarantinePath)
  } catch (error) {
    throw new StoreIOError({ path, operation: 'move the corrupt file aside', cause: error })
  }
  if (dir !== undefined) await syncDir(dir, path)
  return quarantinePath
}

async function freeName(base: string): Promise<string> {
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? base : `${base}-${n}`
    // lstat: a dangling symlink at the name is taken, not replaced.
    const exists = await lstat(candidate).then(
      () => true,
      () => false,
    )
    if (!exists) return candidate
  }
}
