import { link, open, readFile, rename, unlink } from 'node:fs/promises'
import { hostname } from 'node:os'
import { StoreIOError, StoreLockedError } from '../errors.js'

export const LOCK_FILE = '.warden-store.lock'

interface LockInfo {
  readonly pid: number
  readonly hostname?: string
  readonly since?: number
}

/** A pid that exists (EPERM: exists but is someone else's). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function readHolder(path: string): Promise<number | null | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new StoreIOError({ path, operation: 'read the lock file', cause: error })
  }
  try {
    const info = JSON.parse(text) as LockInfo
    return Number.isSafeInteger(info.pid) && info.pid > 0 ? info.pid : null
  } catch {
    // Empty or torn: the holder died between creating and writing it.
    return null
  }
}

/**
 * Single-writer lock: `O_CREAT|O_EXCL` of a file holding our pid. A lock whose pid is gone is
 * taken over by renaming it aside and checking that what we moved was that dead holder's lock
 * (not one a racing process just created), so two takers cannot both win.
 */
export async function acquireLock(
  dir: string,
  path: string,
  onTakeover: (previousPid: number | null) => void,
): Promise<void> {
  const content = JSON.stringify({
    pid: process.pid,
    hostname: hostname(),
    since: Date.now(),
  } satisfies LockInfo)
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      const fh = await open(path, 'wx')
      try {
        await fh.writeFile(content)
        await fh.sync()
      } finally {
        await fh.close()
      }
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StoreIOError({ path, operation: 'create the lock file', cause: error })
      }
    }
    const holder = await readHolder(path)
    if (holder === undefined) continue
    if (holder !== null && isAlive(holder)) throw new StoreLockedError({ dir, lockPath: path, pid: holder })
    const aside = `${path}.stale-${process.pid}-${attempt}`
    try {
      await rename(path, aside)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue
      throw new StoreIOError({ path, operation: 'move the stale lock file', cause: error })
    }
    const moved = await readHolder(aside)
    if (moved !== holder && moved !== undefined && moved !== null && isAlive(moved)) {
      // We moved a live process's fresh lock: put it back (link fails if yet another appeared).
      await link(aside, path).catch(() => undefined)
      await unlink(aside).catch(() => undefined)
      throw new StoreLockedError({ dir, lockPath: path, pid: moved })
    }
    await unlink(aside).catch(() => undefined)
    onTakeover(holder)
  }
  throw new StoreIOError({
    path,
    operation: 'acquire the lock file',
    cause: new Error('too many concurrent attempts'),
  })
}

/** Removes the lock if it is still ours. */
export async function releaseLock(path: string): Promise<void> {
  const holder = await readHolder(path)
  if (holder === process.pid) await unlink(path).catch(() => undefined)
}
