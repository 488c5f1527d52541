import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type AgentErrorEvent, type AgentExitEvent, LogWriteError, Supervisor } from '../../src/index.js'
import { canSwitchToNobody, scanProc, supervisorPerTest, until } from '../helpers.js'

let sup: Supervisor
const tmp = supervisorPerTest(() => sup)

/** Real, effective, saved and filesystem uid (or gid) of `pid`. */
const ids = (pid: number, which: 'Uid' | 'Gid'): number[] =>
  new RegExp(`^${which}:\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)$`, 'm')
    .exec(readFileSync(`/proc/${pid}/status`, 'utf8'))!
    .slice(1)
    .map(Number)

const SCRIPT =
  'console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), groups: process.getgroups(), home: process.env.HOME, user: process.env.USER })); console.error("as nobody"); setInterval(() => {}, 1000)'

describe.skipIf(!canSwitchToNobody())('running as another user (needs root and the user nobody)', () => {
  it('the agent, its log relay and its log file belong to the user; the tail still works', async () => {
    chmodSync(tmp.dir, 0o755)
    const logs = join(tmp.dir, 'logs')
    mkdirSync(logs)
    chownSync(logs, 65534, 65534)
    const out = join(logs, 'out.log')
    sup = new Supervisor()
    sup.add({
      id: 'nob',
      command: process.execPath,
      args: ['-e', SCRIPT],
      user: 'nobody',
      logs: { stdout: out },
    })
    const { pid } = await sup.start('nob')
    expect(ids(pid!, 'Uid')).toEqual([65534, 65534, 65534, 65534])
    expect(ids(pid!, 'Gid')).toEqual([65534, 65534, 65534, 65534])
    await until(() => existsSync(out) && readFileSync(out, 'utf8').includes('\n'), 10_000, 'the line')
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({
      uid: 65534,
      gid: 65534,
      groups: [65534],
      home: '/nonexistent',
      user: 'nobody',
    })
    expect(statSync(out)).toMatchObject({ uid: 65534, gid: 65534 })
    const [relay] = scanProc(out)
    expect(ids(relay!, 'Uid')).toEqual([65534, 65534, 65534, 65534])
    const exit = new Promise<AgentExitEvent>((r) => sup.once('agent:exit', r))
    await sup.stop('nob')
    expect((await exit).stderrTail).toEqual(['as nobody'])
    expect(scanProc(out)).toEqual([])
  })

  it("the relay writes with the agent's rights only: a log dir the user cannot write fails (EACCES)", async () => {
    chmodSync(tmp.dir, 0o755)
    const out = join(tmp.dir, 'root-only.log')
    sup = new Supervisor()
    const failed = new Promise<AgentErrorEvent>((r) => sup.once('agent:error', r))
    sup.add({
      id: 'nob',
      command: process.execPath,
      args: ['-e', SCRIPT],
      user: 'nobody',
      logs: { stdout: out },
    })
    await sup.start('nob')
    const { error } = await failed
    expect(error).toBeInstanceOf(LogWriteError)
    expect(error).toMatchObject({ path: out })
    expect((error.cause as NodeJS.ErrnoException).code).toBe('EACCES')
    expect(existsSync(out)).toBe(false)
  })
})
