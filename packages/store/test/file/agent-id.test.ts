import { readdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { assertAgentId, MAX_AGENT_ID_LENGTH } from '@warden/store'
import { describe, expect, it } from 'vitest'
import { point } from '../helpers/points.js'
import { openStore } from '../helpers/tmp.js'

const BAD: [string, unknown, RegExp][] = [
  ['empty', '', /must not be empty/],
  ['dot', '.', /must not be "\." or "\.\."/],
  ['dot-dot', '..', /must not be/],
  ['slash', 'a/b', /path separator/],
  ['traversal', '../etc/passwd', /path separator/],
  ['absolute', '/etc/passwd', /path separator/],
  ['backslash', 'a\\b', /path separator/],
  ['NUL', 'a\0b', /NUL/],
  ['too long', 'x'.repeat(MAX_AGENT_ID_LENGTH + 1), /longer than 128 characters \(129\)/],
  ['space', 'a b', /only A-Z/],
  ['colon', 'a:b', /only A-Z/],
  ['unicode', 'agént', /only A-Z/],
  ['newline', 'a\n', /only A-Z/],
  ['not a string', 42, /expected a string/],
  ['undefined', undefined, /expected a string/],
]

describe('agent ids', () => {
  it.each(BAD)('rejects %s', (_, id, reason) => {
    expect(() => assertAgentId(id)).toThrow(
      expect.objectContaining({ code: 'ERR_WARDEN_INVALID_AGENT_ID', id }),
    )
    expect(() => assertAgentId(id)).toThrow(reason)
  })

  it.each(['a', 'web-1', 'A.b_c-9', '...', '.hidden', 'x'.repeat(MAX_AGENT_ID_LENGTH)])(
    'accepts %j',
    (id) => {
      expect(() => assertAgentId(id)).not.toThrow()
    },
  )

  it('every store method rejects a bad id before touching the filesystem', async () => {
    const store = await openStore()
    const parent = readdirSync(dirname(store.dir))
    for (const [, id] of BAD) {
      const calls = [
        () => store.get(id as string),
        () => store.update(id as string, () => undefined),
        () => store.delete(id as string),
        () => store.appendResourceData(id as string, point({ timestamp: 1 })),
        () => store.save({ id, restartCount: 0, updatedAt: 0 } as never),
      ]
      for (const call of calls)
        await expect(call()).rejects.toMatchObject({ code: 'ERR_WARDEN_INVALID_AGENT_ID' })
    }
    expect(readdirSync(store.dir)).toEqual(['.warden-store.lock'])
    expect(readdirSync(dirname(store.dir))).toEqual(parent)
  })
})
