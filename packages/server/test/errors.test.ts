import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import * as server from '../src/index.js'
import { HttpError } from '../src/index.js'

const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md'), 'utf8')

/** Every exported HttpError subclass, instantiated with a context object that fits them all. */
function exportedErrors(): HttpError[] {
  const context = {
    option: 'x',
    value: 1,
    message: 'm',
    host: '0.0.0.0',
    reason: 'invalid',
    parameter: 'p',
    statusCode: 413,
    method: 'GET',
    path: '/x',
    id: 'a',
    stream: 'stdout',
    cause: new Error('c'),
    maxStreams: 1,
  }
  const out: HttpError[] = []
  for (const value of Object.values(server)) {
    if (typeof value !== 'function' || value === HttpError) continue
    if (!(value.prototype instanceof HttpError)) continue
    out.push(new (value as new (c: typeof context) => HttpError)(context))
  }
  return out
}

describe('error codes', () => {
  it('every exported error has a unique ERR_SERVER_ code, its class name and an HTTP status', () => {
    const errors = exportedErrors()
    expect(errors.length).toBeGreaterThanOrEqual(17)
    const codes = errors.map((e) => e.code)
    expect(new Set(codes).size).toBe(codes.length)
    for (const e of errors) {
      expect(e.code).toMatch(/^ERR_SERVER_[A-Z_]+$/)
      expect(e.name).toBe(e.constructor.name)
      expect(e.message.length).toBeGreaterThan(0)
      expect(e.statusCode).toBeGreaterThanOrEqual(400)
    }
  })

  it('the README error table lists exactly the exported codes, with their class names', () => {
    const table = [...readme.matchAll(/^\|\s*`(ERR_[A-Z_]+)`\s*\|\s*`(\w+)`\s*\|/gm)].map(
      (m) => `${m[1]} ${m[2]}`,
    )
    // InvalidOptionError is the one of @warden/utils, documented there. EventFileError is the one
    // error that is not an answer (openEventFile() throws it).
    const eventFile = new server.EventFileError({ path: '/x', operation: 'read', cause: new Error('c') })
    expect(eventFile).toBeInstanceOf(server.WardenError)
    expect(eventFile).not.toBeInstanceOf(HttpError)
    const exported = [...exportedErrors(), eventFile].map((e) => `${e.code} ${e.name}`)
    expect(table.sort()).toEqual(exported.sort())
  })
})
