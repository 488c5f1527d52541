import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import * as host from '../src/index.js'
import { type HostError, WardenError } from '../src/index.js'

const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md'), 'utf8')

/** Every exported HostError subclass, instantiated with a context object that fits them all. */
function exportedErrors(): HostError[] {
  const context = {
    option: 'x',
    value: 1,
    message: 'm',
    collector: 'gpu',
    timeoutMs: 1,
    reason: 'r',
    cause: new Error('c'),
    source: '/proc/stat',
    command: 'nvidia-smi',
    pid: 1,
    since: 0,
    exitCode: 1,
  }
  const out: HostError[] = []
  for (const value of Object.values(host)) {
    if (typeof value !== 'function' || value === WardenError) continue
    if (!(value.prototype instanceof WardenError)) continue
    out.push(new (value as new (c: typeof context) => HostError)(context))
  }
  return out
}

describe('error codes', () => {
  it('every exported error has a unique ERR_HOST_ code and its class name', () => {
    const errors = exportedErrors()
    expect(errors.length).toBeGreaterThanOrEqual(8)
    const codes = errors.map((e) => e.code)
    expect(new Set(codes).size).toBe(codes.length)
    for (const e of errors) {
      expect(e.code).toMatch(/^ERR_(HOST|WARDEN)_[A-Z_]+$/)
      expect(e.name).toBe(e.constructor.name)
      expect(e.message.length).toBeGreaterThan(0)
    }
    const withCause = errors.filter((e) => ['CollectorFailedError', 'CommandFailedError'].includes(e.name))
    expect(withCause.map((e) => (e.cause as Error).message)).toEqual(['c', 'c'])
  })

  it('the README error table lists exactly the exported codes, with their class names', () => {
    const table = [...readme.matchAll(/^\|\s*`(ERR_[A-Z_]+)`\s*\|\s*`(\w+)`\s*\|/gm)].map(
      (m) => `${m[1]} ${m[2]}`,
    )
    const exported = exportedErrors()
      .filter((e) => e.code.startsWith('ERR_HOST_'))
      .map((e) => `${e.code} ${e.name}`)
    expect(table.sort()).toEqual(exported.sort())
  })
})
