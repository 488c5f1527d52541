import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileMetadataStore } from '@warden/store'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { canMakeCgroup, cgroupUnavailable, testCgroup } from '../../../test/helpers/cgroup.js'
import { until } from '../../../test/helpers/until.js'
import { alive, api, type Line, reap, TOKEN, Warden } from './process.js'

// The real `warden run`, as a process: started, reloaded with SIGHUP, stopped with SIGTERM, killed
// and restarted on the same data directory. Every agent pid it reports is checked in /proc.

const FOREVER = "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1e9)"
let dir: string
const parentOf = (pid: number) =>
  Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1])
const started: Warden[] = []
const pids = new Set<number>()

const agent = (id: string, extra = '') =>
  `  - id: ${id}\n    command: ${JSON.stringify(process.execPath)}\n    args: ["-e", ${JSON.stringify(FOREVER)}, "${id}"]\n    stopTimeoutMs: 5s\n${extra}`
// Agents' cgroups (where this machine can make them) go under a cgroup of this test, removed after.
let cgroup: ReturnType<typeof testCgroup> | undefined
const config = (agents: string, extra = '') =>
  `dataDir: data\nlisten: 127.0.0.1:0\ninterval: 500ms\nshutdownTimeout: 20s\ncgroupParent: ${cgroup?.path ?? 'false'}\n${extra}agents:\n${agents}`

async function write(text: string): Promise<string> {
  const file = join(dir, 'warden.yaml')
  await writeFile(file, text)
  return file
}
function run(file: string, ...more: string[]): Warden {
  const w = new Warden(['run', '--config', file, '--log-format', 'json', ...more], { WARDEN_TOKEN: TOKEN })
  started.push(w)
  return w
}
const startsOf = (w: Warden, from = 0): Map<string, number> => {
  const m = new Map<string, number>()
  for (const l of w.lines.slice(from))
    if (l.event === 'agent:start') m.set(l.agent as string, l.pid as number)
  for (const pid of m.values()) pids.add(pid)
  return m
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-daemon-'))
  cgroup = canMakeCgroup ? testCgroup() : undefined
})
afterEach(async () => {
  // A killed daemon leaves its agents running (by design): every agent any daemon started goes.
  for (const w of started.splice(0)) {
    await w.kill()
    startsOf(w)
  }
  await reap(pids)
  pids.clear()
  await cgroup?.remove()
  await rm(dir, { recursive: true, force: true })
})

describe('warden run', () => {
  it('starts its agents, serves the API, and on SIGTERM stops every agent and exits 0; its events outlive it', async () => {
    const file = await write(config(agent('a') + agent('b')))
    const w = run(file)
    const url = await w.ready()
    const { status, body } = await api<{ agents: { id: string; status: string; pid: number }[] }>(
      url,
      '/v1/agents',
    )
    expect(status).toBe(200)
    expect(body.agents.map((a) => [a.id, a.status])).toEqual([
      ['a', 'running'],
      ['b', 'running'],
    ])
    const running = startsOf(w)
    expect([...running.values()].every(alive)).toBe(true)
    expect((await fetch(`${url}/v1/agents`)).status).toBe(401) // auth is on: WARDEN_TOKEN
    w.signal('SIGTERM')
    expect(await w.exited).toBe(0)
    expect(w.lines.at(-1)).toMatchObject({ event: 'stopped' })
    expect([...running.values()].filter(alive)).toEqual([])

    // The next daemon on the same data directory still knows those events (dashboard markers).
    const next = run(file)
    const url2 = await next.ready()
    const { body: recent } = await api<{
      events: { event: string; agent: string; data: { pid?: number } }[]
    }>(url2, '/v1/events/recent')
    const exits = recent.events.filter((e) => e.event === 'agent:exit').map((e) => [e.agent, e.data.pid])
    expect(exits).toEqual(expect.arrayContaining([...running]))
    startsOf(next)
    next.signal('SIGTERM')
    expect(await next.exited).toBe(0)
  }, 120_000)

  it('a daemon killed with SIGKILL leaves its agents running; the next one adopts them (same pids)', async () => {
    const file = await write(config(agent('a') + agent('b')))
    const first = run(file)
    await first.ready()
    const before = startsOf(first)
    // Once the running pids are saved (the supervisor saves in the background), the daemon dies.
    const saved = new FileMetadataStore({ dir: join(dir, 'data', 'agents'), readOnly: true })
    await saved.open()
    await until(
      async () => {
        for (const [id, pid] of before) if ((await saved.get(id))?.pid !== pid) return false
        return true
      },
      20_000,
      'the pids to be saved',
    )
    await saved.close()
    await first.kill()
    expect([...before.values()].every(alive)).toBe(true)

    const second = run(file)
    const url = await second.ready()
    const restore = await second.event('restore')
    expect(restore.outcomes).toEqual({ adopted: ['a', 'b'] })
    const { body } = await api<{ agents: { id: string; pid: number }[] }>(url, '/v1/agents')
    expect(new Map(body.agents.map((a) => [a.id, a.pid]))).toEqual(before)
    second.signal('SIGTERM')
    expect(await second.exited).toBe(0)
    expect([...before.values()].filter(alive)).toEqual([])
  }, 90_000)

  it('SIGHUP: added, removed and changed agents are applied, thresholds set, the others untouched', async () => {
    const file = await write(config(agent('keep') + agent('drop') + agent('change') + agent('tune')))
    const w = run(file)
    const url = await w.ready()
    const before = startsOf(w)
    await write(
      config(
        agent('keep') +
          agent('change', '    env: { MODE: "new" }\n') +
          agent('tune', '    thresholds: { cpuPercent: 80, durationMs: 1m }\n') +
          agent('add'),
        'log: { level: debug }\n',
      ),
    )
    const from = w.lines.length
    w.signal('SIGHUP')
    const reload = await w.event('reload', 30_000, from)
    expect(reload).toMatchObject({
      added: ['add'],
      removed: ['drop'],
      changed: ['change'],
      thresholds: ['tune'],
      unchanged: ['keep'],
      needsRestart: [],
    })
    const after = startsOf(w)
    expect(after.get('keep')).toBe(before.get('keep'))
    expect(after.get('tune')).toBe(before.get('tune'))
    expect(after.get('change')).not.toBe(before.get('change'))
    expect(alive(before.get('keep')!) && alive(before.get('tune')!)).toBe(true)
    expect(alive(before.get('drop')!) || alive(before.get('change')!)).toBe(false)
    const { body } = await api<{ agents: { id: string; status: string }[] }>(url, '/v1/agents')
    expect(body.agents.map((a) => `${a.id}:${a.status}`).sort()).toEqual([
      'add:running',
      'change:running',
      'keep:running',
      'tune:running',
    ])

    // A broken file on SIGHUP changes nothing and says why, with the line.
    await writeFile(file, `${config(agent('keep'))}\n  - id: broken\n    comand: x\n`)
    const from2 = w.lines.length
    w.signal('SIGHUP')
    const failed = await w.event('reload-failed', 30_000, from2)
    expect(failed.msg).toMatch(/agents\[1\]\.comand: unknown key; did you mean command\?/)
    expect(failed.msg).toMatch(/warden\.yaml:\d+:5/)
    expect((await api<{ agents: unknown[] }>(url, '/v1/agents')).body.agents).toHaveLength(4)

    // Settings that need a restart are said, not silently ignored.
    await write(
      config(
        agent('keep') +
          agent('change', '    env: { MODE: "new" }\n') +
          agent('tune', '    thresholds: { cpuPercent: 80, durationMs: 1m }\n') +
          agent('add'),
        'includeChildren: false\n',
      ),
    )
    const from3 = w.lines.length
    w.signal('SIGHUP')
    expect(await w.event('reload', 30_000, from3)).toMatchObject({
      needsRestart: ['includeChildren'],
      unchanged: ['keep', 'change', 'tune', 'add'],
    })
    w.signal('SIGTERM')
    expect(await w.exited).toBe(0)
    expect([...startsOf(w).values()].filter(alive)).toEqual([])
  }, 120_000)

  it('a config error exits 2 before anything starts, naming the key and line', async () => {
    const w = run(
      await write(
        'dataDir: data\nagents:\n  - id: a\n    command: x\n    thresholds: { cpu: 90, durationMs: 1m }\n',
      ),
    )
    expect(await w.exited).toBe(2)
    expect(w.stderr).toContain(
      'warden.yaml:5:19: agents[0].thresholds.cpu: unknown key; did you mean cpuPercent?',
    )
  })

  it('a second daemon on the same data directory exits 3 and leaves the first alone', async () => {
    const file = await write(config(agent('a')))
    const first = run(file)
    const url = await first.ready()
    const second = run(file)
    expect(await second.exited).toBe(3)
    expect(second.lines.find((l) => l.event === 'startup-failed')).toMatchObject({
      step: 'store',
      code: 'ERR_DAEMON_STARTUP',
    })
    expect((await api(url, '/v1/agents')).status).toBe(200)
    startsOf(first)
    first.signal('SIGTERM')
    expect(await first.exited).toBe(0)
  }, 90_000)

  it('an address in use exits 3 and leaves no agent running', async () => {
    const file = await write(config(agent('a')))
    const first = run(file)
    const url = await first.ready()
    const port = new URL(url).port
    const other = join(dir, 'other.yaml')
    await writeFile(
      other,
      config(agent('b'))
        .replace('dataDir: data', 'dataDir: data2')
        .replace('127.0.0.1:0', `127.0.0.1:${port}`),
    )
    const second = run(other)
    expect(await second.exited).toBe(3)
    const b = startsOf(second).get('b')
    expect(b === undefined || !alive(b)).toBe(true)
    expect(second.lines.find((l: Line) => l.event === 'startup-failed')).toMatchObject({ step: 'listen' })
    startsOf(first)
    first.signal('SIGTERM')
    expect(await first.exited).toBe(0)
  }, 90_000)

  it('warden check prints what it would run and starts nothing', async () => {
    const file = await write(config(agent('a') + agent('b')))
    const w = new Warden(['check', '--config', file])
    started.push(w)
    expect(await w.exited).toBe(0)
    expect(w.stdout).toMatch(/ok — 2 agents \(a, b\), listen 127\.0\.0\.1:0/)
    const bad = new Warden(['run', '--conifg', file])
    started.push(bad)
    expect(await bad.exited).toBe(2)
    expect(bad.stderr).toMatch(/Unknown option '--conifg'/)
  }, 60_000)

  it('WARDEN_CONFIG names the file when --config is not given', async () => {
    const file = await write(config(agent('a')))
    const w = new Warden(['check'], { WARDEN_CONFIG: file })
    started.push(w)
    expect(await w.exited).toBe(0)
    expect(w.stdout).toContain(file)
    await until(() => true)
  })

  it.skipIf(!canMakeCgroup)(
    `agents run in their own cgroup: a daemonized grandchild is stopped with its agent (${cgroupUnavailable ?? 'cgroup v2 writable'})`,
    async () => {
      // The agent starts a child that starts a grandchild in its own session and exits: the
      // grandchild is reparented away from the agent's tree (a daemon: setsid + double fork).
      const inner = `require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)'], { detached: true, stdio: 'ignore' }).unref()`
      const spawner = `require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(inner)}], { stdio: 'ignore' }); ${FOREVER}`
      const w = run(
        await write(
          config(
            `  - id: a\n    command: ${JSON.stringify(process.execPath)}\n    args: ["-e", ${JSON.stringify(spawner)}]\n    containment: cgroup\n`,
          ),
        ),
      )
      await w.ready()
      const main = startsOf(w).get('a')!
      const agentCgroup = `${cgroup!.path}/agent-a`
      const members = () =>
        readFileSync(`${agentCgroup}/cgroup.procs`, 'utf8').split('\n').filter(Boolean).map(Number)
      // Once the intermediate child has exited: the agent and the grandchild.
      const grandchild = await until(
        () => {
          const procs = members()
          const other = procs.find((p) => p !== main)
          return procs.length === 2 && other !== undefined && parentOf(other) !== main ? other : undefined
        },
        20_000,
        'the grandchild, reparented away from the agent, in the agent cgroup',
      )
      pids.add(grandchild)
      w.signal('SIGTERM')
      expect(await w.exited).toBe(0)
      expect(alive(main) || alive(grandchild)).toBe(false)
      expect(existsSync(agentCgroup)).toBe(false)
    },
    90_000,
  )
})
