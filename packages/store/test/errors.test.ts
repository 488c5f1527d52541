import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as store from '@warden/store'
import { describe, expect, it } from 'vitest'

const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../README.md'), 'utf8')

/** Every exported StoreError subclass, instantiated with a superset of the constructors' fields. */
function errorClasses(): [string, store.WardenError][] {
  const fields = {
    option: 'o',
    expected: 'e',
    value: 1,
    id: 'a',
    reason: 'r',
    field: 'f',
    timestamp: 1,
    latestTimestamp: 2,
    path: '/p',
    dir: '/d',
    lockPath: '/d/l',
    pid: 1,
    quarantinePath: '/q',
    cause: new Error('c'),
    schemaVersion: 2,
    supported: 1,
    operation: 'op',
  }
  return Object.entries(store)
    .filter(([, v]) => typeof v === 'function' && v.prototype instanceof store.WardenError)
    .map(([name, Cls]) => [name, new (Cls as new (f: typeof fields) => store.WardenError)(fields)])
}

describe('error codes', () => {
  const documented = new Map(
    [...readme.matchAll(/^\|\s*`(ERR_STORE_[A-Z_]+)`\s*\|\s*`(\w+)`\s*\|/gm)].map(
      (m) => [m[1]!, m[2]!] as const,
    ),
  )

  it('every error class has a distinct ERR_STORE_ code, its name, and is listed in the README with its class', () => {
    const classes = errorClasses()
    expect(classes.length).toBeGreaterThanOrEqual(11)
    const codes = classes.map(([, e]) => e.code)
    expect(new Set(codes).size).toBe(codes.length)
    for (const [name, error] of classes) {
      expect(error).toBeInstanceOf(Error)
      expect(error.name).toBe(name)
      expect(error.code).toMatch(/^ERR_(STORE|WARDEN)_[A-Z_]+$/)
      if (error.code.startsWith('ERR_STORE_'))
        expect(documented.get(error.code), `${error.code} (${name}) missing from README`).toBe(name)
    }
    // ...and the README lists nothing that does not exist.
    expect([...documented.keys()].sort()).toEqual(codes.filter((c) => c.startsWith('ERR_STORE_')).sort())
  })

  it('keeps cause and context fields', () => {
    const e = new store.StoreCorruptError({
      id: 'a',
      path: '/p/a.json',
      quarantinePath: '/p/a.json.corrupt-1',
      cause: new SyntaxError('x'),
    })
    expect(e.cause).toBeInstanceOf(SyntaxError)
    expect(e).toMatchObject({ id: 'a', path: '/p/a.json', quarantinePath: '/p/a.json.corrupt-1' })
    const io = new store.StoreIOError({ path: '/p', operation: 'write', cause: new Error('ENOSPC') })
    expect(io.message).toBe('Failed to write /p: ENOSPC')
  })
})
