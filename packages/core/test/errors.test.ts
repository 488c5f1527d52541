import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as core from '../src/index.js'

function allErrors(): core.WardenError[] {
  return [
    new core.InvalidOptionError({ option: 'x', expected: 'a number', value: 'y' }),
    new core.InvalidAgentIdError({ id: '..', reason: 'r' }),
    new core.AgentExistsError({ id: 'a' }),
    new core.AgentNotFoundError({ id: 'a' }),
    new core.NotStartableError({ id: 'a' }),
    new core.SpawnError({
      id: 'a',
      command: 'x',
      reason: 'ENOENT',
      cause: Object.assign(new Error('e'), { code: 'ENOENT' }),
    }),
    new core.ProcessNotFoundError({ id: 'a', pid: 1 }),
    new core.StopTimeoutError({ id: 'a', survivors: [1] }),
    new core.PersistError({ id: 'a', cause: new Error('disk') }),
    new core.LogWriteError({ id: 'a', path: '/x', cause: new Error('disk') }),
    new core.LogRelayError({ id: 'a', pid: 1, exitCode: 1, signal: null }),
    new core.WaitTimeoutError({ waitingFor: 'agent "a" to be running', timeoutMs: 1 }),
    new core.SupervisorClosedError(),
    new core.SupersededError({ id: 'a', operation: 'start', by: 'stop' }),
    new core.AdoptRefusedError({ id: 'a', pid: 1, reason: 'init' }),
    new core.InvalidRecordError({ id: 'a', field: 'pid', expected: 'an integer', value: 'x' }),
    new core.UnknownUserError({ id: 'a', kind: 'user', account: 'bob' }),
    new core.UserSwitchDeniedError({ id: 'a', uid: 0, gid: 0, supervisorUid: 1000 }),
    new core.CgroupError({
      id: 'a',
      reason: 'io',
      message: 'cannot create',
      path: '/sys/fs/cgroup/x',
      cause: Object.assign(new Error('e'), { code: 'EACCES' }),
    }),
  ]
}

describe('error classes', () => {
  it('every exported error class is covered here and has a distinct code', () => {
    const exported = Object.values(core).filter(
      (v) => typeof v === 'function' && v.prototype instanceof core.WardenError,
    )
    const made = allErrors()
    expect(new Set(made.map((e) => e.constructor))).toEqual(new Set(exported))
    expect(new Set(made.map((e) => e.code)).size).toBe(made.length)
    for (const e of made) {
      expect(e).toBeInstanceOf(core.WardenError)
      expect(e.name).toBe(e.constructor.name)
      expect(e.code).toMatch(/^ERR_(CORE|WARDEN)_[A-Z_]+$/)
    }
    expect((made[5] as core.SpawnError).syscallCode).toBe('ENOENT')
    const cgroup = made.at(-1) as core.CgroupError
    expect(cgroup.errno).toBe('EACCES')
    // A spawn that failed for its cgroup reports the OS code behind it, not Warden's.
    expect(new core.SpawnError({ id: 'a', command: 'x', reason: 'r', cause: cgroup }).syscallCode).toBe(
      'EACCES',
    )
  })

  it('the README lists exactly the codes that exist', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    const section = readme.slice(readme.indexOf('## Error codes'), readme.indexOf('## Design notes'))
    const documented = [...section.matchAll(/^\|\s*`(ERR_[A-Z_]+)`\s*\|\s*`(\w+)`/gm)].map(
      (m) => `${m[1]} ${m[2]}`,
    )
    const actual = allErrors()
      .filter((e) => e.code.startsWith('ERR_CORE_'))
      .map((e) => `${e.code} ${e.constructor.name}`)
    expect(documented.sort()).toEqual(actual.sort())
  })
})
