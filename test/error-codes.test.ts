import { readFileSync } from 'node:fs'
import * as core from '@warden/core'
import * as daemon from '@warden/daemon'
import * as host from '@warden/host'
import * as monitor from '@warden/monitor'
import * as server from '@warden/server'
import * as store from '@warden/store'
import * as utils from '@warden/utils'
import { describe, expect, it } from 'vitest'

/**
 * One check of the error design for every package: each exported error class extends the one
 * `WardenError`, has a literal code of its package, a distinct code, its class name, and is listed
 * in its package's README (the shared ones in @warden/utils's) — and the READMEs list nothing else.
 */
const PACKAGES = { utils, store, core, monitor, host, server, daemon } as const
const PREFIX: Record<keyof typeof PACKAGES, string> = {
  utils: 'ERR_WARDEN_',
  store: 'ERR_STORE_',
  core: 'ERR_CORE_',
  monitor: 'ERR_MONITOR_',
  host: 'ERR_HOST_',
  server: 'ERR_SERVER_',
  daemon: 'ERR_DAEMON_',
}

/** A superset of every error constructor's fields, so each class can be made with one object. */
const CONTEXT = {
  option: 'o',
  expected: 'e',
  value: 1,
  message: 'm',
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
  cause: Object.assign(new Error('c'), { code: 'ENOENT' }),
  schemaVersion: 2,
  supported: 1,
  operation: 'op',
  agentId: 'a',
  timeoutMs: 1,
  waitingFor: 'w',
  collector: 'cpu',
  command: 'x',
  survivors: [1],
  exitCode: 1,
  signal: null,
  by: 'stop',
  kind: 'user',
  account: 'bob',
  uid: 0,
  gid: 0,
  supervisorUid: 1000,
  since: 0,
  parameter: 'p',
  statusCode: 413,
  method: 'GET',
  stream: 'stdout',
  maxStreams: 1,
  file: 'warden.yaml',
  issues: [{ path: 'agents[0].id', line: 3, column: 7, message: 'm' }],
  step: 'store',
  failures: [{ step: 'agents', message: 'm' }],
}

/** Intermediate bases with no code of their own. */
const ABSTRACT = new Set<unknown>([server.HttpError])

function ownErrors(name: keyof typeof PACKAGES): utils.WardenError[] {
  const shared = new Set<unknown>(Object.values(utils))
  return Object.values(PACKAGES[name])
    .filter(
      (v): v is new (c: typeof CONTEXT) => utils.WardenError =>
        typeof v === 'function' && v.prototype instanceof utils.WardenError,
    )
    .filter((v) => (name === 'utils' || !shared.has(v)) && !ABSTRACT.has(v))
    .map((Cls) => new Cls(CONTEXT))
}

function documented(name: keyof typeof PACKAGES): string[] {
  const readme = readFileSync(new URL(`../packages/${name}/README.md`, import.meta.url), 'utf8')
  return [...readme.matchAll(/^\|\s*`(ERR_[A-Z_]+)`\s*\|\s*`(\w+)`\s*\|/gm)].map((m) => `${m[1]} ${m[2]}`)
}

describe('error codes across packages', () => {
  for (const name of Object.keys(PACKAGES) as (keyof typeof PACKAGES)[]) {
    it(`@warden/${name}: every error extends WardenError with a distinct ${PREFIX[name]} code, and its README lists exactly those`, () => {
      const errors = ownErrors(name)
      expect(errors.length).toBeGreaterThanOrEqual(3)
      for (const e of errors) {
        expect(e).toBeInstanceOf(Error)
        expect(e.name).toBe(e.constructor.name)
        expect(e.code.startsWith(PREFIX[name]), `${e.name}: ${e.code}`).toBe(true)
        expect(e.message.length).toBeGreaterThan(0)
      }
      const listed = errors.map((e) => `${e.code} ${e.name}`).sort()
      expect(documented(name).sort()).toEqual(listed)
    })
  }

  it('no code is used twice, in any package', () => {
    const codes = (Object.keys(PACKAGES) as (keyof typeof PACKAGES)[]).flatMap((n) =>
      ownErrors(n).map((e) => e.code),
    )
    expect(new Set(codes).size).toBe(codes.length)
  })

  it('the shared errors a package re-exports are the very classes of @warden/utils', () => {
    expect(store.InvalidOptionError).toBe(utils.InvalidOptionError)
    expect(store.InvalidAgentIdError).toBe(utils.InvalidAgentIdError)
    expect(core.InvalidOptionError).toBe(utils.InvalidOptionError)
    expect(core.InvalidAgentIdError).toBe(utils.InvalidAgentIdError)
    expect(core.WaitTimeoutError).toBe(utils.WaitTimeoutError)
    expect(monitor.InvalidOptionError).toBe(utils.InvalidOptionError)
    expect(monitor.WaitTimeoutError).toBe(utils.WaitTimeoutError)
    expect(host.InvalidOptionError).toBe(utils.InvalidOptionError)
    expect(server.InvalidOptionError).toBe(utils.InvalidOptionError)
    expect(daemon.InvalidOptionError).toBe(utils.InvalidOptionError)
    for (const pkg of [store, core, monitor, host]) expect(pkg.WardenError).toBe(utils.WardenError)
  })

  it('a cause is kept', () => {
    const e = new store.StoreIOError({ path: '/p', operation: 'write', cause: new Error('ENOSPC') })
    expect(e.cause).toBeInstanceOf(Error)
    expect(e.message).toBe('Failed to write /p: ENOSPC')
  })
})
