import { constants, type Stats } from 'node:fs'
import { type FileHandle, lstat, open, readlink, rename, unlink } from 'node:fs/promises'
import type { FileAccess } from './file-access.js'

/** The user a file is opened, created and rotated as. */
export interface Owner {
  readonly uid: number
  readonly gid: number
}

const SEARCH = 1
const WRITE = 2
const READ = 4
// Mode bits Node's fs.constants lacks.
const S_ISGID = 0o2000
const S_ISVTX = 0o1000
/** As the kernel's limit on symlinks followed in one lookup. */
const MAX_LINKS = 40
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW
const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW
// O_NONBLOCK: a FIFO planted at the path cannot hang the open.
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK

function fail(code: 'EACCES' | 'EPERM' | 'ELOOP' | 'EISDIR', syscall: string, path: string): never {
  const text = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ELOOP: 'too many symbolic links encountered',
    EISDIR: 'illegal operation on a directory',
  }[code]
  throw Object.assign(new Error(`${code}: ${text}, ${syscall} '${path}'`), { code, syscall, path })
}

/** Whether `owner` has `want` on a file with `st`'s owner and mode (no supplementary groups, no ACLs). */
function allowed(st: Stats, owner: Owner, want: number): boolean {
  if (owner.uid === 0) return true
  const bits = st.uid === owner.uid ? st.mode >> 6 : st.gid === owner.gid ? st.mode >> 3 : st.mode
  return (bits & want) === want
}

/**
 * A lookup of a path as `owner` would do it, by a writer with more rights (root): one directory
 * at a time, each held open (so no rename can redirect a later step) and checked against the
 * owner's ids, each symlink read and followed by hand. Entries are reached through
 * `/proc/self/fd/<dir>/<name>`, Node having no openat().
 */
class Lookup {
  readonly #owner: Owner
  readonly #path: string
  #dir!: FileHandle
  #stat!: Stats
  #links = 0

  private constructor(owner: Owner, path: string) {
    this.#owner = owner
    this.#path = path
  }

  /** Resolves every component of `path` but the last (returned) as `owner`; close() it after use. */
  static async parent(path: string, owner: Owner): Promise<{ lookup: Lookup; name: string }> {
    const lookup = new Lookup(owner, path)
    await lookup.#enter(await open('/', DIR_FLAGS))
    try {
      const name = await lookup.descend(path.split('/'))
      return { lookup, name }
    } catch (error) {
      await lookup.close()
      throw error
    }
  }

  get dir(): Stats {
    return this.#stat
  }

  entry(name: string): string {
    return `/proc/self/fd/${this.#dir.fd}/${name}`
  }

  /** Walks `parts` but the last, which is returned; `parts` is left empty. */
  async descend(parts: string[]): Promise<string> {
    for (;;) {
      const name = parts.shift()
      if (name === undefined) fail('EISDIR', 'open', this.#path)
      if (name === '' || name === '.') {
        if (parts.length === 0) fail('EISDIR', 'open', this.#path)
        continue
      }
      this.require(SEARCH)
      if (parts.length === 0) {
        if (name === '..') fail('EISDIR', 'open', this.#path)
        return name
      }
      let next: FileHandle
      try {
        next = await open(this.entry(name), DIR_FLAGS)
      } catch (error) {
        const st = await lstat(this.entry(name)).catch(() => undefined)
        if (!st?.isSymbolicLink()) throw this.relabel(error)
        parts.unshift(...(await this.follow(name)))
        continue
      }
      await this.#enter(next)
    }
  }

  /** The components of the symlink `name`'s target, the walk moved to where they start. */
  async follow(name: string): Promise<string[]> {
    this.retry()
    const target = await readlink(this.entry(name)).catch((e) => Promise.reject(this.relabel(e)))
    if (target.startsWith('/')) await this.#enter(await open('/', DIR_FLAGS))
    return target.split('/')
  }

  /** Counts a link followed or a race lost: a lookup that never ends is ELOOP. */
  retry(): void {
    if (++this.#links > MAX_LINKS) fail('ELOOP', 'open', this.#path)
  }

  /** Throws EACCES unless the owner has `want` on the current directory. */
  require(want: number, syscall = 'open'): void {
    if (!allowed(this.#stat, this.#owner, want)) fail('EACCES', syscall, this.#path)
  }

  /** Throws EPERM when the owner may not move or replace the entry `st` (a sticky directory). */
  requireReplaceable(st: Stats, syscall: string): void {
    const sticky = (this.#stat.mode & S_ISVTX) !== 0
    const uid = this.#owner.uid
    if (sticky && uid !== 0 && uid !== st.uid && uid !== this.#stat.uid) fail('EPERM', syscall, this.#path)
  }

  async close(): Promise<void> {
    await this.#dir.close().catch(() => {})
  }

  async #enter(dir: FileHandle): Promise<void> {
    const previous = this.#dir as FileHandle | undefined
    this.#dir = dir
    this.#stat = await dir.stat()
    await previous?.close().catch(() => {})
  }

  /** An error of a step, naming the logical path rather than the /proc one. */
  relabel(error: unknown): unknown {
    const e = error as NodeJS.ErrnoException
    if (typeof e?.message !== 'string') return error
    e.message = e.message.replace(/'\/proc\/self\/fd\/[^']*'/g, `'${this.#path}'`)
    e.path = this.#path
    return e
  }
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** Opens (or creates, then gives to `owner`) `path` for appending, if `owner` could. */
async function openAs(path: string, owner: Owner): Promise<FileHandle> {
  const { lookup, name: last } = await Lookup.parent(path, owner)
  try {
    let name = last
    for (;;) {
      const entry = lookup.entry(name)
      const st = await lstatOrUndefined(entry).catch((e) => Promise.reject(lookup.relabel(e)))
      if (st?.isSymbolicLink()) {
        name = await lookup.descend(await lookup.follow(name))
        continue
      }
      if (st === undefined) {
        lookup.require(WRITE | SEARCH)
        const created = await open(entry, APPEND_FLAGS | constants.O_CREAT | constants.O_EXCL, 0o666).catch(
          (e: NodeJS.ErrnoException) => (e.code === 'EEXIST' ? undefined : Promise.reject(lookup.relabel(e))),
        )
        if (created === undefined) {
          lookup.retry()
          continue
        }
        return await giveTo(created, entry, owner, lookup)
      }
      if (!allowed(st, owner, WRITE)) fail('EACCES', 'open', path)
      const handle = await openChecked(lookup, entry, APPEND_FLAGS, st)
      if (handle !== undefined) return handle
    }
  } finally {
    await lookup.close()
  }
}

/**
 * Opens `entry` if it is still the file `st` described (checked by the caller); undefined, with
 * the lookup set to retry, when it was replaced between the check and the open.
 */
async function openChecked(
  lookup: Lookup,
  entry: string,
  flags: number,
  st: Stats,
): Promise<FileHandle | undefined> {
  const handle = await open(entry, flags).catch((e) => Promise.reject(lookup.relabel(e)))
  const now = await handle.stat()
  if (now.dev === st.dev && now.ino === st.ino) return handle
  await handle.close()
  lookup.retry()
  return undefined
}

/**
 * Opens `path` for reading if `owner` could read it: a reader with more rights (a root daemon
 * serving an agent's log) never reads, through a link the agent planted, what the agent cannot.
 */
export async function openReadableAs(path: string, owner: Owner): Promise<FileHandle> {
  const { lookup, name: last } = await Lookup.parent(path, owner)
  try {
    let name = last
    for (;;) {
      const entry = lookup.entry(name)
      const st = await lstat(entry).catch((e) => Promise.reject(lookup.relabel(e)))
      if (st.isSymbolicLink()) {
        name = await lookup.descend(await lookup.follow(name))
        continue
      }
      if (!allowed(st, owner, READ)) fail('EACCES', 'open', path)
      const handle = await openChecked(lookup, entry, READ_FLAGS, st)
      if (handle !== undefined) return handle
    }
  } finally {
    await lookup.close()
  }
}

/** A file we just created becomes the owner's, as if the owner had created it; else it goes. */
async function giveTo(file: FileHandle, entry: string, owner: Owner, lookup: Lookup): Promise<FileHandle> {
  // A setgid directory gives its group to new files (the kernel's rule for the owner too).
  const gid = (lookup.dir.mode & S_ISGID) !== 0 ? lookup.dir.gid : owner.gid
  try {
    await file.chown(owner.uid, gid)
    return file
  } catch (error) {
    await file.close().catch(() => {})
    await unlink(entry).catch(() => {})
    throw lookup.relabel(error)
  }
}

/** Rotates `path` (see FileAccess.rotate) with the rights `owner` has on its directory. */
async function rotateAs(path: string, backups: number, owner: Owner): Promise<void> {
  const { lookup, name } = await Lookup.parent(path, owner)
  try {
    lookup.require(WRITE | SEARCH, 'rename')
    const step = async (from: string, to: string | undefined): Promise<void> => {
      const st = await lstat(lookup.entry(from))
      lookup.requireReplaceable(st, to === undefined ? 'unlink' : 'rename')
      if (to === undefined) return unlink(lookup.entry(from))
      const replaced = await lstatOrUndefined(lookup.entry(to))
      if (replaced !== undefined) lookup.requireReplaceable(replaced, 'rename')
      await rename(lookup.entry(from), lookup.entry(to))
    }
    const missingOk = (e: NodeJS.ErrnoException): void => {
      if (e.code !== 'ENOENT') throw e
    }
    try {
      if (backups === 0) {
        await step(name, undefined).catch(missingOk)
        return
      }
      for (let i = backups - 1; i >= 1; i--) await step(`${name}.${i}`, `${name}.${i + 1}`).catch(missingOk)
      await step(name, `${name}.1`)
    } catch (error) {
      throw lookup.relabel(error)
    }
  } finally {
    await lookup.close()
  }
}

/**
 * Opens, creates and rotates log files as `owner` may, on behalf of a writer with more rights
 * (a root relay writing the files of an agent that runs as another user): a file is created with
 * the owner's uid and gid, and a path the owner could not write — a directory not writable by it,
 * a symlink or hard link it planted towards a file it cannot write — fails with EACCES as it would
 * for the owner. Rights are read from the mode bits (POSIX ACLs are not consulted).
 */
export function ownedAccess(owner: Owner): FileAccess {
  return {
    open: (path) => openAs(path, owner),
    rotate: (path, backups) => rotateAs(path, backups, owner),
  }
}
