import {
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  type AgentErrorEvent,
  type AgentExitEvent,
  type LogOptions,
  LogWriteError,
  Supervisor,
} from '../../src/index.js'
import { canSwitchToNobody, relayPids, supervisorPerTest, until } from '../helpers.js'

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
  it("the agent and its log file belong to the user (the relay is the supervisor's); the tail still works", async () => {
    chmodSync(tmp.dir, 0o755)
    const logs = join(tmp.dir, 'logs')
    mkdirSync(logs)
    chownSync(logs, 65534, 65534)
    const out = join(logs, 'out.log')
    sup = new Supervisor({ cgroupParent: null })
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
    // One relay for every agent: it runs as the supervisor and gives each file to its agent's user.
    const [relay] = relayPids()
    expect(ids(relay!, 'Uid')).toEqual([0, 0, 0, 0])
    const exit = new Promise<AgentExitEvent>((r) => sup.once('agent:exit', r))
    await sup.stop('nob')
    expect((await exit).stderrTail).toEqual(['as nobody'])
    await sup.shutdown()
    expect(relayPids()).toEqual([])
  })

  it("the relay writes with the agent's rights only: a log dir the user cannot write fails (EACCES)", async () => {
    chmodSync(tmp.dir, 0o755)
    const out = join(tmp.dir, 'root-only.log')
    sup = new Supervisor({ cgroupParent: null })
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

  it("the root relay goes nowhere the user could not: a planted symlink or hard link to a root file fails (EACCES); rotated files are the user's", async () => {
    chmodSync(tmp.dir, 0o755)
    const logs = join(tmp.dir, 'logs')
    mkdirSync(logs)
    chownSync(logs, 65534, 65534)
    const secret = join(tmp.dir, 'secret')
    writeFileSync(secret, 'root only\n', { mode: 0o644 })
    // What the user could plant in its own log directory.
    symlinkSync(secret, join(logs, 'symlink.log'))
    linkSync(secret, join(logs, 'hardlink.log'))
    const mine = join(logs, 'mine')
    writeFileSync(mine, '')
    chownSync(mine, 65534, 65534)
    symlinkSync('mine', join(logs, 'to-mine.log'))
    sup = new Supervisor({ cgroupParent: null })
    const errors = new Map<string, LogWriteError>()
    const refused = new Promise<void>((resolve) =>
      sup.on('agent:error', (e) => {
        errors.set(e.id, e.error as LogWriteError)
        if (errors.size === 2) resolve()
      }),
    )
    const talker = (id: string, logs: LogOptions) =>
      sup.add({
        id,
        command: process.execPath,
        args: ['-e', `for (let i = 0; i < 200; i++) console.log('${id} ' + i + ' ' + 'x'.repeat(40))`],
        user: 'nobody',
        restart: 'never',
        logs,
      })
    talker('symlink', { stdout: join(logs, 'symlink.log') })
    talker('hardlink', { stdout: join(logs, 'hardlink.log') })
    talker('followed', { stdout: join(logs, 'to-mine.log') })
    talker('rotated', { stdout: join(logs, 'rotated.log'), maxBytes: 1024, backups: 3 })
    for (const id of ['symlink', 'hardlink', 'followed', 'rotated']) await sup.start(id)
    await refused
    for (const id of ['symlink', 'hardlink']) {
      expect(errors.get(id)).toBeInstanceOf(LogWriteError)
      expect((errors.get(id)!.cause as NodeJS.ErrnoException).code).toBe('EACCES')
    }
    for (const id of ['followed', 'rotated']) {
      await sup.waitFor(id, 'exited', { timeoutMs: 10_000 })
      await sup.flushLogs(id)
    }
    expect(readFileSync(secret, 'utf8')).toBe('root only\n')
    expect(readFileSync(mine, 'utf8').split('\n')).toHaveLength(201)
    const rotated = readdirSync(logs).filter((f) => f.startsWith('rotated.log'))
    expect(rotated.sort()).toEqual(['rotated.log', 'rotated.log.1', 'rotated.log.2', 'rotated.log.3'])
    for (const f of rotated) expect(statSync(join(logs, f))).toMatchObject({ uid: 65534, gid: 65534 })
    expect([...errors.keys()].sort()).toEqual(['hardlink', 'symlink'])
  })
})
