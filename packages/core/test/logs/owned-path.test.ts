import {
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ownedAccess } from '../../src/logs/owned-path.js'
import { canSwitchToNobody, tempDir } from '../helpers.js'

const NOBODY = { uid: 65534, gid: 65534 }
const access = ownedAccess(NOBODY)
let tmp: ReturnType<typeof tempDir>
/** A directory the owner may write (as its log directory would be). */
let mine: string
beforeEach(() => {
  tmp = tempDir()
  chmodSync(tmp.dir, 0o755)
  mine = join(tmp.dir, 'mine')
  mkdirSync(mine)
  chownSync(mine, NOBODY.uid, NOBODY.gid)
})
afterEach(() => tmp.cleanup())

const code = (promise: Promise<unknown>): Promise<string | undefined> =>
  promise.then(
    () => undefined,
    (e: NodeJS.ErrnoException) => e.code,
  )

describe.skipIf(!canSwitchToNobody())(
  'ownedAccess (root writing as nobody; needs root and the user nobody)',
  () => {
    it('creates a missing file as the owner (a setgid directory gives its group), appends to one it may write', async () => {
      const path = join(mine, 'a.log')
      const handle = await access.open(path)
      await handle.write('one\n')
      await handle.close()
      expect(statSync(path)).toMatchObject({ uid: 65534, gid: 65534 })
      const again = await access.open(path)
      await again.write('two\n')
      await again.close()
      expect(readFileSync(path, 'utf8')).toBe('one\ntwo\n')

      const shared = join(tmp.dir, 'shared')
      mkdirSync(shared)
      chownSync(shared, 0, 4242)
      chmodSync(shared, 0o2777)
      await (await access.open(join(shared, 'b.log'))).close()
      expect(statSync(join(shared, 'b.log'))).toMatchObject({ uid: 65534, gid: 4242 })
    })

    it('refuses with EACCES what the owner could not write: a root directory, a planted symlink or hard link to a root file, a path through a root-only directory', async () => {
      const secret = join(tmp.dir, 'secret')
      writeFileSync(secret, 'root\n', { mode: 0o644 })
      expect(await code(access.open(join(tmp.dir, 'root-dir.log')))).toBe('EACCES')
      expect(existsSync(join(tmp.dir, 'root-dir.log'))).toBe(false)
      symlinkSync(secret, join(mine, 'symlink.log'))
      linkSync(secret, join(mine, 'hardlink.log'))
      expect(await code(access.open(join(mine, 'symlink.log')))).toBe('EACCES')
      expect(await code(access.open(join(mine, 'hardlink.log')))).toBe('EACCES')
      const closed = join(tmp.dir, 'closed')
      mkdirSync(join(closed, 'inner'), { recursive: true })
      chownSync(join(closed, 'inner'), NOBODY.uid, NOBODY.gid)
      chmodSync(closed, 0o700)
      // Through a symlinked component the owner planted, as well as directly.
      symlinkSync(join(closed, 'inner'), join(mine, 'via'))
      expect(await code(access.open(join(closed, 'inner', 'x.log')))).toBe('EACCES')
      expect(await code(access.open(join(mine, 'via', 'x.log')))).toBe('EACCES')
      expect(readFileSync(secret, 'utf8')).toBe('root\n')
    })

    it('follows symlinks as the owner would (relative ones from their directory); a loop is ELOOP', async () => {
      writeFileSync(join(mine, 'target'), '')
      chownSync(join(mine, 'target'), NOBODY.uid, NOBODY.gid)
      mkdirSync(join(mine, 'sub'))
      chownSync(join(mine, 'sub'), NOBODY.uid, NOBODY.gid)
      symlinkSync('../target', join(mine, 'sub', 'link.log'))
      symlinkSync('sub', join(mine, 'dir'))
      const handle = await access.open(join(mine, 'dir', 'link.log'))
      await handle.write('via links\n')
      await handle.close()
      expect(readFileSync(join(mine, 'target'), 'utf8')).toBe('via links\n')
      symlinkSync('loop-b', join(mine, 'loop-a'))
      symlinkSync('loop-a', join(mine, 'loop-b'))
      expect(await code(access.open(join(mine, 'loop-a')))).toBe('ELOOP')
    })

    it("rotates in the owner's directory; in a sticky directory it never replaces another user's file (EPERM); errors name the path", async () => {
      const path = join(mine, 'r.log')
      writeFileSync(path, 'current\n')
      writeFileSync(`${path}.1`, 'older\n')
      chownSync(path, NOBODY.uid, NOBODY.gid)
      chownSync(`${path}.1`, NOBODY.uid, NOBODY.gid)
      await access.rotate(path, 2)
      expect(readFileSync(`${path}.1`, 'utf8')).toBe('current\n')
      expect(readFileSync(`${path}.2`, 'utf8')).toBe('older\n')
      expect(existsSync(path)).toBe(false)

      const sticky = join(tmp.dir, 'sticky')
      mkdirSync(sticky)
      chmodSync(sticky, 0o1777)
      const log = join(sticky, 's.log')
      writeFileSync(log, 'mine\n')
      chownSync(log, NOBODY.uid, NOBODY.gid)
      writeFileSync(`${log}.1`, "root's\n")
      const error = await access.rotate(log, 1).catch((e: NodeJS.ErrnoException) => e)
      expect(error).toMatchObject({ code: 'EPERM', path: log })
      expect((error as Error).message).not.toContain('/proc/')
      expect(readFileSync(`${log}.1`, 'utf8')).toBe("root's\n")
      const missing = await access.open(join(mine, 'no-dir', 'x.log')).catch((e: NodeJS.ErrnoException) => e)
      expect(missing).toMatchObject({ code: 'ENOENT' })
      expect((missing as Error).message).toContain(join(mine, 'no-dir', 'x.log'))
    })
  },
)
