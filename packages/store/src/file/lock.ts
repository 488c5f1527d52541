import { link, rename, unlink } from 'node:fs/promises'
import { hostname } from 'node:os'
import { isExited, readStat, startTicksOf } from '@warden/utils'
import { NotRegularFileError, RecordTooLargeError, StoreIOError, StoreLockedError } from '../errors.js'
import { writeTemp } from './atomic-write.js'
import { readRegularFile } from './read-file.js'

export const LOCK_FILE = '.warden-store.lock'
/** World-readable: any process, whoever runs it, can tell who holds the lock (StoreLockedError, not EACCES). */
const LOCK_MODE = 0o644
/** A lock is ~100 bytes; anything much larger is not one (and is not read). */
const MAX_LOCK_BYTES = 4096
/** Temp files of `createLock` (`writeTemp` names): a process killed between writing and removing one leaves it. */
export const LOCK_TEMP = /^\.warden-store\.lock\.\d+$/

interface LockInfo {
  readonly pid: number
  /**
   * Start time of the holder in clock ticks since boot (field 22 of /proc/<pid>/stat), so a reused
   * pid is not mistaken for it. Locks written before 0.2 hold it as a string of digits.
   */
  readonly startTicks?: number | string
  readonly hostname?: string
  readonly since?: number
}

/**
 * Whether the lock's holder still runs: the pid exists (EPERM: someone else's) and, where /proc
 * tells, has not exited (a zombie holds no lock) and started when the lock says.
 */
export function isAlive(holder: Holder): boolean {
  try {
    process.kill(holder.pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  const stat = readStat(holder.pid)
  // Without /proc, the pid is all there is to go on.
  if (stat === undefined) return true
  if (isExited(stat)) return false
  // After a reboot or pid wrap-around the old pid may belong to an unrelated process.
  return holder.startTicks === undefined || stat.startTicks === holder.startTicks
}

interface Holder {
  readonly pid: number
  readonly startTicks?: number
}

const samePid = (a: Holder | null | undefined, b: Holder | null | undefined): boolean =>
  a?.pid === b?.pid && a?.startTicks === b?.startTicks

/** A lock's start ticks: a non-negative integer, or (older locks) a string of digits. */
function lockTicks(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value)
  return undefined
}

/** The lock's holder; undefined when there is no lock file, null when it is not a valid lock. */
async function readHolder(path: string): Promise<Holder | null | undefined> {
  let data: Buffer | undefined
  try {
    data = await readRegularFile(path, 'read the lock file', MAX_LOCK_BYTES)
  } catch (error) {
    // A symlink (or directory...) at the lock's name was never written by a store: not a holder.
    if (error instanceof NotRegularFileError || error instanceof RecordTooLargeError) return null
    throw error
  }
  if (data === undefined) return undefined
  try {
    const info = JSON.parse(data.toString('utf8')) as LockInfo
    if (!Number.isSafeInteger(info.pid) || info.pid <= 0) return null
    const ticks = lockTicks(info.startTicks)
    return ticks === undefined ? { pid: info.pid } : { pid: info.pid, startTicks: ticks }
  } catch {
    // Never one of ours (they appear complete): left by an older release killed mid-write, or damaged.
    return null
  }
}

/**
 * Single-writer lock: a file holding our pid, created all at once (`createLock`). A lock whose
 * pid is gone is taken over by renaming it aside and checking that what we moved was that dead
 * holder's lock (not one a racing process just created), so two takers cannot both win.
 * Returns the pids of the locks taken over (null: not a valid lock), for the caller to report.
 */
export async function acquireLock(dir: string, path: string): Promise<(number | null)[]> {
  const takenOver: (number | null)[] = []
  const content = Buffer.from(
    JSON.stringify({
      pid: process.pid,
      startTicks: startTicksOf(process.pid),
      hostname: hostname(),
      since: Date.now(),
    } satisfies LockInfo),
  )
  for (let attempt = 0; attempt < 10; attempt++) {
    if (await createLock(path, content)) return takenOver
    const holder = await readHolder(path)
    if (holder === undefined) continue
    if (holder !== null && isAlive(holder))
      throw new StoreLockedError({ dir, lockPath: path, pid: holder.pid })
    const aside = `${path}.stale-${process.pid}-${attempt}`
    try {
      await rename(path, aside)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue
      throw new StoreIOError({ path, operation: 'move the stale lock file', cause: error })
    }
    const moved = await readHolder(aside)
    if (!samePid(moved, holder) && moved !== undefined && moved !== null && isAlive(moved)) {
      // We moved a live process's fresh lock: put it back (link fails if yet another appeared).
      await link(aside, path).catch(() => undefined)
      await unlink(aside).catch(() => undefined)
      throw new StoreLockedError({ dir, lockPath: path, pid: moved.pid })
    }
    await unlink(aside).catch(() => undefined)
    takenOver.push(holder?.pid ?? null)
  }
  throw new StoreIOError({
    path,
    operation: 'acquire the lock file',
    cause: new Error('too many concurrent attempts'),
  })
}

/**
 * Writes the whole lock to a temp file, then link()s it to `path`, which fails with EEXIST
 * atomically: the lock never exists empty or half-written (a full disk fails before it appears).
 * False when `path` is taken, or when our temp file was swept by the lock's holder.
 */
async function createLock(path: string, content: Uint8Array): Promise<boolean> {
  let temp: string
  try {
    temp = await writeTemp(path, content, true, LOCK_MODE)
  } catch (cause) {
    throw new StoreIOError({ path, operation: 'create the lock file', cause })
  }
  try {
    await link(temp, path)
    return true
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST' || code === 'ENOENT') return false
    throw new StoreIOError({ path, operation: 'create the lock file', cause: error })
  } finally {
    await unlink(temp).catch(() => undefined)
  }
}

/** Removes the lock if it is still ours. */
export async function releaseLock(path: string): Promise<void> {
  const holder = await readHolder(path)
  if (holder?.pid === process.pid) await unlink(path).catch(() => undefined)
}
