import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/** The longest path a unix socket address holds (sun_path, NUL included). */
const MAX_SOCKET_PATH = 107

const uid = (): number => process.geteuid?.() ?? 0

/** Throws unless `dir` is a real directory (not a symlink) of ours that no one else can enter. */
function assertPrivate(dir: string): void {
  const st = lstatSync(dir)
  if (!st.isDirectory() || st.uid !== uid() || (st.mode & 0o077) !== 0) {
    throw new Error(`${dir} is not a directory owned by this user and private to it (0700)`)
  }
}

/**
 * The directory of this user's log relays (their sockets, and the bundled script when run from
 * source): `<tmpdir>/warden-relays-<uid>`, mode 0700. Only a real directory of ours is trusted: the
 * temp dir is shared, and whoever can enter it could talk to a relay (or replace its script).
 */
export function privateDir(): string {
  const dir = join(tmpdir(), `warden-relays-${uid()}`)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const st = lstatSync(dir)
  if (!st.isDirectory() || st.uid !== uid()) {
    throw new Error(`${dir} is not a directory owned by this user`)
  }
  // A directory of ours that others could enter (made by hand, another umask) is closed first.
  chmodSync(dir, 0o700)
  assertPrivate(dir)
  return dir
}

/** A new socket path in the private directory, named by the relay's token. */
export function socketPath(token: string): string {
  const path = join(privateDir(), `${token}.sock`)
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    throw new Error(
      `the relay socket path ${path} is longer than ${MAX_SOCKET_PATH} bytes: set a shorter TMPDIR`,
    )
  }
  return path
}

/**
 * Whether `path` (a recorded socket) is a socket of ours in a private directory of ours: only
 * then is it connected to or removed. Never follows a symlink.
 */
export function isOurSocket(path: string): boolean {
  try {
    assertPrivate(dirname(path))
    const st = lstatSync(path)
    return st.isSocket() && st.uid === uid()
  } catch {
    return false
  }
}

/**
 * Removes the socket a killed relay left behind (one that exits cleanly removes its own), once a
 * connection to it is refused: a record that names the wrong pid never costs a live relay its socket.
 */
export function removeStaleSocket(path: string): void {
  if (!isOurSocket(path)) return
  const probe = createConnection(path)
  probe.unref()
  probe.once('connect', () => probe.destroy())
  probe.once('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ECONNREFUSED') return
    try {
      unlinkSync(path)
    } catch {
      // Gone meanwhile.
    }
  })
}
