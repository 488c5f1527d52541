import type { BigIntStats } from 'node:fs'
import { constants, type FileHandle, lstat, open } from 'node:fs/promises'
import { WardenError } from '@warden/utils'
import { NotRegularFileError, RecordTooLargeError, StoreIOError } from '../errors.js'

/** O_NOFOLLOW: a symlink fails with ELOOP instead of being read through; O_NONBLOCK: a FIFO cannot hang the open. */
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK

/**
 * The bytes of the regular file at `path`, or undefined when there is none. Never reads through
 * a symlink or from a directory, FIFO, socket or device: those throw `NotRegularFileError`. A
 * file above `maxBytes` throws `RecordTooLargeError` before a byte is read. Other failures throw
 * `StoreIOError` with `operation`.
 */
export async function readRegularFile(
  path: string,
  operation: string,
  maxBytes: number,
): Promise<Buffer | undefined> {
  return (await readRegularFileAndIdentity(path, operation, maxBytes))?.data
}

/** `readRegularFile`, plus the identity of the file read (see `fileIdentity`). */
export async function readRegularFileAndIdentity(
  path: string,
  operation: string,
  maxBytes: number,
): Promise<{ data: Buffer; identity: string } | undefined> {
  let handle: FileHandle
  try {
    handle = await open(path, READ_FLAGS)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    if (code === 'ELOOP') throw new NotRegularFileError({ path, kind: 'a symbolic link' })
    // open(2) of a socket.
    if (code === 'ENXIO') throw new NotRegularFileError({ path, kind: 'a socket' })
    throw new StoreIOError({ path, operation, cause: error })
  }
  try {
    const stats = await handle.stat({ bigint: true })
    if (!stats.isFile()) throw new NotRegularFileError({ path, kind: kindOf(stats) })
    const tooLarge = (size: number) =>
      new RecordTooLargeError({ path, size, maxRecordBytes: maxBytes, operation: 'read' })
    if (stats.size > BigInt(maxBytes)) throw tooLarge(Number(stats.size))
    const data = await handle.readFile()
    // Files are replaced, never grown in place; one that grew anyway is still refused.
    if (data.length > maxBytes) throw tooLarge(data.length)
    return { data, identity: fileIdentity(stats) }
  } catch (error) {
    if (error instanceof WardenError) throw error
    throw new StoreIOError({ path, operation, cause: error })
  } finally {
    await handle.close().catch(() => undefined)
  }
}

/**
 * Which file this is: a rename over the name (every write of the store) gives a new inode, and
 * size and nanosecond times tell apart an inode number the filesystem reused.
 */
export function fileIdentity(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`
}

/** The identity of the entry at `path` now (not followed), undefined when there is none. */
export async function currentIdentity(path: string): Promise<string | undefined> {
  try {
    return fileIdentity(await lstat(path, { bigint: true }))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

function kindOf(stats: BigIntStats): string {
  if (stats.isDirectory()) return 'a directory'
  if (stats.isFIFO()) return 'a FIFO'
  if (stats.isSocket()) return 'a socket'
  return 'a device'
}
