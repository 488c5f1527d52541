import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SpawnError, Supervisor } from '../../src/index.js'
import { record, supervisorPerTest } from '../helpers.js'

let sup: Supervisor
const tmp = supervisorPerTest(() => sup)

describe('spawn failures', () => {
  it('missing command: recorded ENOENT, fatal with restart never, no crash', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const events = record(sup)
    sup.add({ id: 'missing', command: 'warden-no-such-command-xyz', restart: 'never' })
    const info = await sup.start('missing')
    expect(info.status).toBe('fatal')
    expect(info.lastError).toMatchObject({ code: 'ERR_CORE_SPAWN', errno: 'ENOENT' })
    const fatal = events.find((e) => e.name === 'agent:fatal')!.event
    expect(fatal.reason).toBe('spawn-failed')
    expect(fatal.error).toBeInstanceOf(SpawnError)
    expect(events.filter((e) => e.name === 'agent:start')).toHaveLength(0)
  })

  it('non-executable file: EACCES, backoff then fatal at the start limit', async () => {
    const file = join(tmp.dir, 'not-exec.sh')
    writeFileSync(file, '#!/bin/sh\necho hi\n')
    chmodSync(file, 0o644)
    sup = new Supervisor({ cgroupParent: null })
    const events = record(sup)
    sup.add({
      id: 'noexec',
      command: file,
      backoff: { initialMs: 10, maxMs: 20 },
      startLimit: { burst: 3, intervalMs: 60_000 },
    })
    const fatal = new Promise((r) => sup.once('agent:fatal', r))
    const first = await sup.start('noexec')
    expect(['backoff', 'fatal']).toContain(first.status)
    expect(await fatal).toMatchObject({ id: 'noexec', reason: 'start-limit' })
    expect(sup.get('noexec')!.lastError).toMatchObject({ code: 'ERR_CORE_SPAWN', errno: 'EACCES' })
    const backoffs = events.filter((e) => e.name === 'agent:backoff')
    expect(backoffs).toHaveLength(2)
    expect(backoffs.every((e) => e.event.error instanceof SpawnError)).toBe(true)
  })

  it('bad cwd: a clear error naming the cwd', async () => {
    sup = new Supervisor({ cgroupParent: null })
    sup.add({ id: 'badcwd', command: process.execPath, cwd: join(tmp.dir, 'nope'), restart: 'never' })
    const info = await sup.start('badcwd')
    expect(info.status).toBe('fatal')
    expect(info.lastError?.message).toContain(join(tmp.dir, 'nope'))
    expect(info.lastError?.errno).toBe('ENOENT')
  })
})
