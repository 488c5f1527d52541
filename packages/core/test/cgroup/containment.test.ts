import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { FileMetadataStore } from '@warden/store'
import { cgroupOf, cgroupProcs, readStat } from '@warden/utils'
import { afterEach, describe, expect, it } from 'vitest'
import {
  canMakeCgroup,
  cgroupUnavailable,
  testCgroup,
  testControllers,
} from '../../../../test/helpers/cgroup.js'
import { type AgentExitEvent, Supervisor } from '../../src/index.js'
import {
  fixture,
  killMarked,
  nodeSpec,
  scanProc,
  sleepMarker,
  supervisorPerTest,
  until,
  waitLine,
} from '../helpers.js'

const missingController = ['memory', 'cpu', 'pids'].find((c) => !testControllers.has(c))
const NEEDS = `(needs a writable cgroup v2${cgroupUnavailable === undefined ? '' : `: ${cgroupUnavailable}`})`

let sup: Supervisor
let cgroup: ReturnType<typeof testCgroup> | undefined
const markers: string[] = []
const tmp = supervisorPerTest(() => sup)
let store: FileMetadataStore | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
  for (const m of markers.splice(0)) killMarked(m)
  await cgroup?.remove()
  cgroup = undefined
})

function contained(): Supervisor {
  cgroup = testCgroup()
  sup = new Supervisor({ cgroupParent: cgroup.path, keepAlive: false })
  return sup
}

const marker = (): string => {
  const m = sleepMarker()
  markers.push(m)
  return m
}

/** Whether `pid` is alive (a zombie has exited). */
const alive = (pid: number): boolean => {
  const stat = readStat(pid)
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X'
}

describe('containment: cgroup', () => {
  it.skipIf(!canMakeCgroup)(
    `a setsid + double-fork grandchild is in the cgroup and dies on stop() ${NEEDS}`,
    async () => {
      contained()
      const m = marker()
      sup.add(nodeSpec('d', 'daemonize.js', ['root', m], { containment: 'cgroup', logs: { events: true } }))
      const lines: string[] = []
      sup.on('agent:log', (e) => lines.push(e.line))
      const info = await sup.start('d')
      const path = `${cgroup!.path}/agent-d`
      expect(info.cgroup).toBe(path)
      const daemon = Number(
        (await until(() => lines.find((l) => l.startsWith('daemon ')), 10_000, 'the daemon')).slice(7),
      )
      // Out of the tree, the group and the session: only its cgroup still holds it.
      expect(readStat(daemon)?.session).not.toBe(info.pid)
      expect(cgroupProcs(path)).toContain(daemon)
      await sup.stop('d')
      expect(alive(daemon)).toBe(false)
      expect(scanProc(m)).toEqual([])
      expect(existsSync(path)).toBe(false)
      expect(sup.get('d')?.cgroup).toBeUndefined()
    },
  )

  it.skipIf(!canMakeCgroup)(`a fork loop ignoring SIGTERM leaves no survivor ${NEEDS}`, async () => {
    contained()
    const m = marker()
    sup.add(
      nodeSpec('loop', 'fork-loop.js', [m], {
        containment: 'cgroup',
        stopTimeoutMs: 200,
        logs: { events: true },
      }),
    )
    const ready = waitLine(sup, 'loop', 'ready')
    await sup.start('loop')
    await ready
    await sup.stop('loop')
    expect(scanProc(m)).toEqual([])
    expect(existsSync(`${cgroup!.path}/agent-loop`)).toBe(false)
  })

  it.skipIf(!canMakeCgroup)(
    `the wrapper passes arguments with spaces, quotes and newlines unchanged ${NEEDS}`,
    async () => {
      contained()
      const args = [
        'a b',
        '"double"',
        "'single'",
        'line1\nline2',
        '$HOME',
        '*',
        '',
        '-c',
        '; exit 3',
        '\\n',
        ' ',
      ]
      const print =
        'process.stdout.write(JSON.stringify({ argv: process.argv.slice(1), cgroup: require("fs").readFileSync("/proc/self/cgroup", "utf8") }) + "\\n")'
      sup.add({
        id: 'args',
        command: process.execPath,
        args: ['-e', print, '--', ...args],
        restart: 'never',
        containment: 'cgroup',
        logs: { events: true },
      })
      const lines: string[] = []
      sup.on('agent:log', (e) => lines.push(e.line))
      const exit = new Promise<AgentExitEvent>((resolve) => sup.once('agent:exit', resolve))
      await sup.start('args')
      expect(await exit).toMatchObject({ code: 0 })
      await sup.flushLogs('args')
      const out = JSON.parse(lines.join('\n')) as { argv: string[]; cgroup: string }
      // `node -e <code> -- args`: process.argv after the executable holds the args as given.
      expect(out.argv.slice(out.argv.indexOf('--') + 1)).toEqual(args)
      expect(out.cgroup).toContain(
        `0::${cgroupOf('self') === '/' ? '' : cgroupOf('self')}/${cgroup!.path.split('/').pop()}/agent-args\n`,
      )
    },
  )

  it.skipIf(!canMakeCgroup)(
    `what a crashed process leaves in its cgroup is stopped, whatever the policy ${NEEDS}`,
    async () => {
      contained()
      const m = marker()
      // The leftover ignores SIGTERM: only the cgroup's kill ends it.
      const script = `(setsid sh -c "trap '' TERM; exec sleep ${m}" &); exit 3`
      sup.add({
        id: 'crash',
        command: 'sh',
        args: ['-c', script],
        restart: 'never',
        stopTimeoutMs: 100,
        containment: 'cgroup',
      })
      const exit = new Promise<AgentExitEvent>((resolve) => sup.once('agent:exit', resolve))
      await sup.start('crash')
      expect(await exit).toMatchObject({ code: 3, expected: false })
      await until(() => sup.get('crash')?.cgroup === undefined, 10_000, 'the cgroup to be removed')
      expect(scanProc(m)).toEqual([])
      expect(sup.get('crash')?.status).toBe('exited')
    },
  )

  it.skipIf(!canMakeCgroup)(
    `a restart starts the next process only once the last one's leftovers are gone ${NEEDS}`,
    async () => {
      contained()
      const m = marker()
      const script = `(setsid sh -c "trap '' TERM; exec sleep ${m}" &); sleep 0.05; exit 1`
      sup.add({
        id: 'again',
        command: 'sh',
        args: ['-c', script],
        restart: 'on-failure',
        backoff: { initialMs: 1, maxMs: 1 },
        stopTimeoutMs: 100,
        containment: 'cgroup',
      })
      const seen: number[] = []
      // At each start, no sleeper older than the new process is left (the new one may have forked its own already).
      sup.on('agent:start', (e) =>
        seen.push(
          scanProc(m).filter((pid) => (readStat(pid)?.startTicks ?? Number.POSITIVE_INFINITY) < e.startTicks!)
            .length,
        ),
      )
      await sup.start('again')
      await until(() => seen.length >= 3, 20_000, 'three starts')
      await sup.stop('again')
      expect(seen).toEqual(seen.map(() => 0))
      expect(scanProc(m)).toEqual([])
      expect(existsSync(`${cgroup!.path}/agent-again`)).toBe(false)
    },
  )

  it.skipIf(!canMakeCgroup)(
    `interleaved start/stop/restart/remove/shutdown leave no process and no cgroup ${NEEDS}`,
    async () => {
      contained()
      const m = marker()
      sup.add({
        id: 'r',
        command: 'sh',
        args: ['-c', `sleep ${m} & sleep ${m}`],
        stopTimeoutMs: 500,
        containment: 'cgroup',
      })
      sup.add({
        id: 'q',
        command: 'sh',
        args: ['-c', `sleep ${m} & sleep ${m}`],
        stopTimeoutMs: 500,
        containment: 'cgroup',
      })
      const calls = [
        sup.start('r'),
        sup.restart('r'),
        sup.stop('r'),
        sup.start('r'),
        sup.restart('r'),
        sup.start('q'),
        sup.restart('q'),
      ]
      await Promise.allSettled(calls)
      expect(sup.get('r')?.status).toBe('running')
      const removed = sup.remove('r')
      const stopped = sup.stop('q')
      await Promise.allSettled([removed, stopped, sup.restart('q')])
      await sup.shutdown()
      expect(scanProc(m)).toEqual([])
      expect(existsSync(`${cgroup!.path}/agent-r`)).toBe(false)
      expect(existsSync(`${cgroup!.path}/agent-q`)).toBe(false)
    },
  )
})

/** `sh -c <script>` started by the test in its own session, moved into `cgroup` before it runs `script`. */
async function inCgroup(
  cgroup: string,
  script: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const child = spawn('sh', ['-c', `read go; ${script}`], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
    env,
  })
  await new Promise((resolve) => child.once('spawn', resolve))
  writeFileSync(`${cgroup}/cgroup.procs`, String(child.pid))
  child.stdin!.end('go\n')
  child.unref()
  return child.pid!
}

describe('restore() after a supervisor restart', () => {
  const BOOT = readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim()

  async function leave(
    id: string,
    spec: Record<string, unknown>,
    state: Record<string, unknown>,
  ): Promise<void> {
    store = new FileMetadataStore({ dir: tmp.dir, fsync: false })
    await store.open()
    await store.update(id, (meta) =>
      Object.assign(meta, {
        status: 'running',
        restartCount: 0,
        startTime: null,
        adopted: false,
        want: 'up',
        spec,
        ...state,
      }),
    )
  }

  it.skipIf(!canMakeCgroup)(
    `finds the agent's cgroup again: adopts the process in it, and stop() empties it ${NEEDS}`,
    async () => {
      cgroup = testCgroup()
      const path = `${cgroup.path}/agent-a`
      mkdirSync(path)
      const m = marker()
      const cookie = randomBytes(16).toString('hex')
      // A daemonized descendant of the run (its own session) beside the main process, in the same cgroup.
      const pid = await inCgroup(path, `(setsid sleep ${m} &); exec sleep ${m}`, {
        ...process.env,
        WARDEN_AGENT_COOKIE: cookie,
      })
      await until(() => scanProc(m).length === 2, 10_000, 'both sleeps')
      const spec = { command: 'sleep', args: [m], containment: 'cgroup', stopTimeoutMs: 500 }
      await leave('a', spec, {
        pid,
        startTicks: readStat(pid)!.startTicks,
        run: { bootId: BOOT, cookie, cookieSinceTicks: null, relay: null, stderrFile: null },
      })
      sup = new Supervisor({ store: store!, cgroupParent: cgroup.path, keepAlive: false })
      const [result] = await sup.restore()
      expect(result).toMatchObject({ id: 'a', outcome: 'adopted' })
      expect(result!.info).toMatchObject({ status: 'running', pid, cgroup: path })
      await sup.stop('a')
      expect(scanProc(m)).toEqual([])
      expect(existsSync(path)).toBe(false)
    },
  )

  it.skipIf(!canMakeCgroup)(
    `what is left in the cgroup of a process that died meanwhile is stopped before the restart ${NEEDS}`,
    async () => {
      cgroup = testCgroup()
      const path = `${cgroup.path}/agent-b`
      mkdirSync(path)
      const left = marker()
      await inCgroup(path, `trap '' TERM; exec sleep ${left}`)
      await until(() => scanProc(left).length === 1, 10_000, 'the leftover')
      const m = marker()
      const spec = {
        command: 'sleep',
        args: [m],
        containment: 'cgroup',
        stopTimeoutMs: 100,
        backoff: { initialMs: 1, maxMs: 1 },
      }
      // Its recorded process is gone (a pid no process has), its cgroup still holds a leftover.
      await leave('b', spec, { pid: 999_999_999 % 4_194_304, startTicks: 1, run: null })
      sup = new Supervisor({ store: store!, cgroupParent: cgroup.path, keepAlive: false })
      const starts: number[] = []
      sup.on('agent:start', () => starts.push(scanProc(left).length))
      await sup.restore()
      await sup.waitFor('b', 'running', { timeoutMs: 10_000 })
      expect(starts).toEqual([0])
      expect(scanProc(left)).toEqual([])
      expect(sup.get('b')?.cgroup).toBe(path)
      await sup.stop('b')
      expect(existsSync(path)).toBe(false)
    },
  )
  it.skipIf(!canMakeCgroup)(
    `a recorded process outside the agent's cgroup keeps the process-group stop; the cgroup's leftovers are stopped at once ${NEEDS}`,
    async () => {
      cgroup = testCgroup()
      const path = `${cgroup.path}/agent-c`
      mkdirSync(path)
      const left = marker()
      await inCgroup(path, `trap '' TERM; exec sleep ${left}`)
      const m = marker()
      const cookie = randomBytes(16).toString('hex')
      const outside = spawn('sleep', [m], {
        detached: true,
        stdio: 'ignore',
        env: { ...process.env, WARDEN_AGENT_COOKIE: cookie },
      })
      outside.unref()
      await new Promise((resolve) => outside.once('spawn', resolve))
      const pid = outside.pid!
      const spec = { command: 'sleep', args: [m], stopTimeoutMs: 100 }
      await leave('c', spec, {
        pid,
        startTicks: readStat(pid)!.startTicks,
        run: { bootId: BOOT, cookie, cookieSinceTicks: null, relay: null, stderrFile: null },
      })
      sup = new Supervisor({ store: store!, cgroupParent: cgroup.path, keepAlive: false })
      const [result] = await sup.restore()
      expect(result).toMatchObject({ id: 'c', outcome: 'adopted' })
      expect(result!.info?.cgroup).toBeUndefined()
      await until(
        () => scanProc(left).length === 0 && !existsSync(path),
        10_000,
        'the leftover to be stopped',
      )
      await sup.stop('c')
      expect(scanProc(m)).toEqual([])
    },
  )
})

describe('a supervisor in a delegated (non-root) cgroup', () => {
  it.skipIf(!canMakeCgroup)(
    `moves itself (only itself) into its supervisor leaf, then makes agent-<id> beside it ${NEEDS}`,
    async () => {
      // This test's supervisor runs in the child; the one of the shared teardown has nothing to do.
      sup = new Supervisor({ cgroupParent: null, keepAlive: false })
      cgroup = testCgroup()
      const own = `${cgroup.path}/own`
      mkdirSync(own)
      const m = marker()
      // A supervisor process the test starts, placed in `own` before it reads its cgroup.
      const child = spawn(
        process.execPath,
        ['--conditions=@warden/source', '--import', 'tsx', fixture('delegated-supervisor.ts'), m],
        { stdio: ['pipe', 'pipe', 'inherit'] },
      )
      await new Promise((resolve) => child.once('spawn', resolve))
      writeFileSync(`${own}/cgroup.procs`, String(child.pid))
      child.stdin!.write('go\n')
      let out = ''
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk
      })
      const code = await new Promise((resolve) => child.once('exit', resolve))
      expect(code).toBe(0)
      const result = JSON.parse(out.trim()) as { self: string; agent: string | null; error?: string }
      const relative = own.slice(own.indexOf(cgroup.path.split('/').pop()!) - 1)
      expect(result.self.endsWith(`${relative}/supervisor`)).toBe(true)
      expect(result.agent).toBe(`${own}/agent-x`)
      expect(scanProc(m)).toEqual([])
      expect(existsSync(`${own}/agent-x`)).toBe(false)
    },
  )
})

describe('containment: limits and fallback', () => {
  it.skipIf(!canMakeCgroup || missingController === undefined)(
    `a limit whose controller is not passed down fails the spawn clearly ${NEEDS} (and a controller missing: ${missingController ?? 'none is'})`,
    async () => {
      contained()
      const limit = { memory: { memoryMax: 64 << 20 }, cpu: { cpuMax: 0.5 }, pids: { pidsMax: 10 } }[
        missingController!
      ]
      sup.add({ id: 'lim', command: 'sleep', args: [marker()], restart: 'never', ...limit })
      const info = await sup.start('lim')
      expect(info.status).toBe('fatal')
      expect(info.lastError?.code).toBe('ERR_CORE_SPAWN')
      expect(info.lastError?.message).toContain(`the ${missingController} controller is not enabled`)
      expect(existsSync(`${cgroup!.path}/agent-lim`)).toBe(false)
    },
  )

  it.skipIf(!canMakeCgroup || missingController !== undefined)(
    `limits are written into the agent's cgroup before it runs ${NEEDS} (and the memory, cpu and pids controllers)`,
    async () => {
      contained()
      sup.add({
        id: 'lim',
        command: 'sleep',
        args: [marker()],
        memoryMax: 64 << 20,
        cpuMax: 0.5,
        pidsMax: 10,
      })
      const info = await sup.start('lim')
      expect(info.status).toBe('running')
      expect(readFileSync(`${info.cgroup}/memory.max`, 'latin1').trim()).toBe(String(64 << 20))
      expect(readFileSync(`${info.cgroup}/cpu.max`, 'latin1').trim()).toBe('50000 100000')
      expect(readFileSync(`${info.cgroup}/pids.max`, 'latin1').trim()).toBe('10')
    },
  )

  it('falls back to a process group when the parent cannot be used (auto), fails clearly with cgroup', async () => {
    // Read-only and not cgroupfs: nothing is created there.
    const parent = `/proc/warden-test-${process.pid}`
    sup = new Supervisor({ cgroupParent: parent, keepAlive: false })
    const m = marker()
    sup.add({ id: 'auto', command: 'sleep', args: [m] })
    sup.add({ id: 'strict', command: 'sleep', args: [m], containment: 'cgroup', restart: 'never' })
    const auto = await sup.start('auto')
    expect(auto.status).toBe('running')
    expect(auto.cgroup).toBeUndefined()
    expect(readStat(auto.pid!)?.pgrp).toBe(auto.pid)
    const strict = await sup.start('strict')
    expect(strict.status).toBe('fatal')
    expect(strict.lastError?.message).toContain('not in the cgroup v2 hierarchy')
    await sup.stop('auto')
    expect(scanProc(m)).toEqual([])
    expect(existsSync(parent)).toBe(false)
  })

  it('never creates a cgroup in a v1 hierarchy', async () => {
    const v1 = ['memory', 'cpu', 'pids']
      .map((c) => `/sys/fs/cgroup/${c}`)
      .find((p) => existsSync(p) && !existsSync(`${p}/cgroup.controllers`))
    const parent = `${v1 ?? '/sys/fs/cgroup/memory'}/warden-test-${process.pid}`
    sup = new Supervisor({ cgroupParent: parent, keepAlive: false })
    sup.add({ id: 'v1', command: 'sleep', args: [marker()], containment: 'cgroup', restart: 'never' })
    const info = await sup.start('v1')
    expect(info.status).toBe('fatal')
    expect(existsSync(parent)).toBe(false)
  })

  it('validates the containment options strictly', () => {
    sup = new Supervisor({ cgroupParent: null, keepAlive: false })
    expect(() => sup.add({ id: 'x', command: 'true', containment: 'box' as never })).toThrow(/`containment`/)
    expect(() =>
      sup.add({ id: 'x', command: 'true', containment: 'process-group', memoryMax: 1 << 20 }),
    ).toThrow(/`memoryMax`/)
    expect(() => sup.add({ id: 'x', command: 'true', cpuMax: 0 })).toThrow(/`cpuMax`/)
    expect(() => sup.add({ id: 'x', command: 'true', pidsMax: 1.5 })).toThrow(/`pidsMax`/)
    expect(() => sup.add({ id: 'x', command: 'true', containment: 'cgroup', killTree: false })).toThrow(
      /`killTree`/,
    )
    expect(() => new Supervisor({ cgroupParent: 'relative/path' })).toThrow(/`cgroupParent`/)
    expect(() => new Supervisor({ cgroupParent: 5 as never })).toThrow(/`cgroupParent`/)
  })

  it.skipIf(!canMakeCgroup)(
    `the wrapper's process is the agent's: pid and start ticks stay at exec ${NEEDS}`,
    async () => {
      contained()
      const m = marker()
      sup.add({ id: 'same', command: 'sleep', args: [m], containment: 'cgroup' })
      const info = await sup.start('same')
      await until(
        () => readFileSync(`/proc/${info.pid}/cmdline`, 'latin1').startsWith('sleep'),
        10_000,
        'the exec',
      )
      expect(readStat(info.pid!)?.startTicks).toBe(info.startTicks)
      expect(scanProc(m)).toEqual([info.pid])
    },
  )
})
