import { constants, type FileHandle, open, rename, unlink } from 'node:fs/promises'
import { StoreIOError } from '../errors.js'
import { syncDir } from './dir-sync.js'

/** Owner-only: records are the daemon's private state (it may run as root); readers run as the same user. */
export const FILE_MODE = 0o600

/** Never through a symlink, never onto an existing file: a planted link or file makes us pick another name. */
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW

/** Temp names are `<target>.<digits>`; a writer's `open()` removes those of `<id>.json` a killed writer left. */
export const TEMP_FILE = /^[A-Za-z0-9._-]+\.json\.\d+$/

let sequence = 0

/**
 * Writes `data` to a new temp file (`mode`) next to `path` and returns its name: every byte
 * written (short writes continued, so a nearly full disk fails instead of leaving a cut file),
 * then fsynced when `fsync`. On failure the temp file is removed and the fs error thrown.
 */
export async function writeTemp(
  path: string,
  data: Uint8Array,
  fsync: boolean,
  mode: number = FILE_MODE,
): Promise<string> {
  const { handle, temp } = await createTemp(path, mode)
  try {
    await writeAll(handle, data)
    if (fsync) await handle.sync()
  } catch (error) {
    await handle.close().catch(() => undefined)
    await unlink(temp).catch(() => undefined)
    throw error
  }
  try {
    await handle.close()
  } catch (error) {
    await unlink(temp).catch(() => undefined)
    throw error
  }
  return temp
}

/**
 * Replaces `path` with `data` atomically and durably: complete temp file, fsync, rename (which
 * replaces a symlink at `path` rather than following it), then fsync of the directory `dir`.
 * A reader sees the whole old file or the whole new one; on failure the old file is untouched.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array,
  options: { readonly fsync: boolean; readonly dir?: FileHandle | undefined },
): Promise<void> {
  try {
    const temp = await writeTemp(path, data, options.fsync)
    await rename(temp, path).catch(async (error: unknown) => {
      await unlink(temp).catch(() => undefined)
      throw error
    })
  } catch (cause) {
    throw new StoreIOError({ path, operation: 'write', cause })
  }
  if (options.fsync && options.dir !== undefined) await syncDir(options.dir, path)
}

async function createTemp(path: string, mode: number): Promise<{ handle: FileHandle; temp: string }> {
  for (let attempt = 1; ; attempt++) {
    const temp = `${path}.${process.pid}${++sequence}`
    try {
      return { handle: await open(temp, CREATE_FLAGS, mode), temp }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt === 10) throw error
    }
  }
}

/** write(2) may write fewer bytes than asked (a filling disk): continue until all are written at `position`. */
export async function writeAll(handle: FileHandle, data: Uint8Array, position = 0): Promise<void> {
  let offset = 0
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset, position + offset)
    if (bytesWritten === 0) throw new Error(`write made no progress at byte ${offset} of ${data.length}`)
    offset += bytesWritten
  }
}
