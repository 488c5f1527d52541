import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { InvalidOptionError, UnknownUserError } from '../../src/index.js'
import { resolveSpec } from '../../src/options.js'
import { bundleForOtherUser, canSwitchToNobody, tempDir } from '../helpers.js'

const spec = (extra: Record<string, unknown>) => resolveSpec({ id: 'a', command: 'x', ...extra })

describe('user, uid, group, gid', () => {
  it('an unknown user or group is a coded error naming it', () => {
    expect(() => spec({ user: 'warden-no-such-user' })).toThrow(UnknownUserError)
    expect(() => spec({ user: 'warden-no-such-user' })).toThrow(
      expect.objectContaining({
        code: 'ERR_CORE_UNKNOWN_USER',
        kind: 'user',
        account: 'warden-no-such-user',
        message: 'Agent "a": unknown user "warden-no-such-user" (not in /etc/passwd)',
      }),
    )
    expect(() => spec({ group: 'warden-no-such-group' })).toThrow(
      expect.objectContaining({
        code: 'ERR_CORE_UNKNOWN_USER',
        kind: 'group',
        account: 'warden-no-such-group',
      }),
    )
  })

  it('rejects bad values and conflicting keys, naming the option', () => {
    expect(() => spec({ user: 'a b' })).toThrow('Expected `user` to be a user or group name')
    expect(() => spec({ uid: -1 })).toThrow('Expected `uid` to be an integer from 0 to 4294967294')
    expect(() => spec({ gid: 1.5 })).toThrow(InvalidOptionError)
    expect(() => spec({ user: 'root', uid: 0 })).toThrow('Expected `uid` to be absent when `user` is given')
    expect(() => spec({ group: 'root', gid: 0 })).toThrow('Expected `gid` to be absent when `group` is given')
  })

  it.skipIf(!canSwitchToNobody())(
    'resolves names through /etc/passwd and /etc/group (needs root and nobody)',
    () => {
      expect(spec({ user: 'nobody' }).user).toMatchObject({ uid: 65534, name: 'nobody' })
      expect(spec({ uid: 65534, gid: 65534 }).user).toMatchObject({ uid: 65534, gid: 65534, name: 'nobody' })
      expect(spec({ user: 'nobody', group: 'root' }).user).toMatchObject({ uid: 65534, gid: 0 })
      // A uid without a passwd entry has no group to default to: keeping root's would be a privilege.
      expect(() => spec({ uid: 4_000_000 })).toThrow(
        'Expected `gid` to be an integer (uid 4000000 has no /etc/passwd entry',
      )
      expect(spec({ uid: 4_000_000, gid: 4_000_000 }).user).toEqual({ uid: 4_000_000, gid: 4_000_000 })
    },
  )

  it.skipIf(!canSwitchToNobody())(
    'a supervisor that is not root cannot run an agent as another user (runs a bundle as nobody: needs root)',
    async () => {
      const tmp = tempDir()
      try {
        const script = await bundleForOtherUser(
          `import { Supervisor } from '../src/index.js'
           const sup = new Supervisor({ cgroupParent: null })
           const codes = []
           for (const spec of [{ uid: 0 }, { user: 'root' }, { gid: 0 }]) {
             try { sup.add({ id: 'x' + codes.length, command: 'true', ...spec }); codes.push('added') }
             catch (error) { codes.push(error.code + ' ' + error.message) }
           }
           sup.add({ id: 'self', command: 'true', uid: process.getuid() })
           console.log(JSON.stringify(codes))
           await sup.shutdown()`,
          tmp.dir,
        )
        const { stdout } = await promisify(execFile)(process.execPath, [script], {
          uid: 65534,
          gid: 65534,
          cwd: tmp.dir,
          timeout: 20_000,
        })
        const codes = JSON.parse(stdout) as string[]
        expect(codes).toHaveLength(3)
        for (const c of codes) expect(c).toMatch(/^ERR_CORE_USER_SWITCH_DENIED /)
        expect(codes[0]).toContain('asks to run as uid 0 gid 0, but the supervisor runs as uid 65534')
      } finally {
        tmp.cleanup()
      }
    },
  )
})
