import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, fstatSync, openSync, readFileSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { FileMetadataStore } from '@warden/store'
import { readStat } from '@warden/utils'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type AgentExitEvent,
  type AgentSpec,
  InvalidRecordError,
  type PersistedAgentState,
  Supervisor,
} from '../../src/index.js'
import { cookieCarriers, killMarked, scanProc, sleepMarker, supervisorPerTest, until } from '../helpers.js'

let sup: Supervisor
const tmp = supervisorPerTest(() => sup)
let store: FileMetadataStore
const markers: string[] = []
const outsiders: ChildProcess[] = []
afterEach(async () => {
  for (const c of outsiders.splice(0)) c.kill('SIGKILL')
  for (const m of markers.splice(0)) killMarked(m)
  await store?.close()
})

const BOOT = readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim()
const newCookie = (): string => randomBytes(16).toString('hex')

async function openStore(): Promise<FileMetadataStore> {
  store = new FileMetadataStore({ dir: tmp.dir, fsync: false })
  await store.open()
  return store
}

/**
 * `sleep <marker>` in a session of its own (as an agent is), carrying `cookie` when given; with
 * `stderr`, it first writes "boom" to that descriptor (then sleep holds it).
 */
async function outsider(
  cookie?: string,
  stderr?: number,
): Promise<{ pid: number; startTicks: number; marker: string }> {
  const marker = sleepMarker()
  markers.push(marker)
  const env = cookie === undefined ? process.env : { ...process.env, WARDEN_AGENT_COOKIE: cookie }
  const child =
    stderr === undefined
      ? spawn('sleep', [marker], { detached: true, stdio: 'ignore', env })
      : spawn('sh', ['-c', `echo boom >&2; exec sleep ${marker}`], {
          detached: true,
          stdio: ['ignore', 'ignore', stderr],
          env,
        })
  outsiders.push(child)
  await new Promise((resolve, reject) => {
    child.once('spawn', resolve)
    child.once('error', reject)
  })
  return { pid: child.pid!, startTicks: readStat(child.pid!)!.startTicks, marker }
}

/** A sleeper spec (the agent a record describes). */
const sleeperSpec = (id: string, marker: string, extra: Partial<AgentSpec> = {}): AgentSpec => ({
  id,
  command: 'sleep',
  args: [marker],
  backoff: { initialMs: 20, maxMs: 20 },
  stopTimeoutMs: 2000,
  ...extra,
})

/** Writes the state a crashed supervisor would have left for `spec`. */
async function leave(spec: AgentSpec, state: Partial<PersistedAgentState>): Promise<void> {
  const { id, ...stored } = spec
  await store.update(id, (m) =>
    Object.assign(m, {
      status: 'running',
      restartCount: 0,
      startTime: null,
      pid: null,
      startTicks: null,
      adopted: false,
      want: 'up',
      run: null,
      spec: stored,
      ...state,
    }),
  )
}

const run = (cookie: string) => ({
  bootId: BOOT,
  cookie,
  cookieSinceTicks: null,
  relay: null,
  stderrFile: null,
})

describe('restore()', () => {
  it('adopts a recorded process that still runs: same pid, history continues, its cookie still sweeps', async () => {
    await openStore()
    const cookie = newCookie()
    // Its stderr goes to an unlinked file, as an agent without logs writes it.
    const path = join(tmp.dir, 'stderr')
    const fd = openSync(path, 'a+')
    const { dev, ino } = fstatSync(fd)
    const agent = await outsider(cookie, fd)
    unlinkSync(path)
    closeSync(fd)
    await until(
      () => readFileSync(`/proc/${agent.pid}/cmdline`, 'latin1').startsWith('sleep'),
      10_000,
      'the exec',
    )
    // A daemonized descendant of the run: found by the cookie only.
    const daemon = await outsider(cookie)
    const spec = sleeperSpec('a', agent.marker)
    await leave(spec, {
      pid: agent.pid,
      startTicks: agent.startTicks,
      restartCount: 3,
      run: { ...run(cookie), stderrFile: { dev, ino } },
    })
    sup = new Supervisor({ cgroupParent: null, store })
    const starts: number[] = []
    sup.on('agent:start', (e) => starts.push(e.pid))
    sup.add(spec)
    // add() saves nothing: the recorded identity is still there for restore().
    expect(await store.get('a')).toMatchObject({ pid: agent.pid, startTicks: agent.startTicks })
    const [result] = await sup.restore()
    expect(result).toMatchObject({ id: 'a', source: 'config', outcome: 'adopted' })
    expect(result!.info).toMatchObject({ status: 'running', pid: agent.pid, restartCount: 3, adopted: true })
    expect(starts).toEqual([agent.pid])
    expect(sup.restore()).toBe(sup.restore())
    const exit = new Promise<AgentExitEvent>((resolve) => sup.once('agent:exit', resolve))
    await sup.stop('a')
    // Its stderr file was found again through /proc/<pid>/fd/2: the tail is known.
    expect(await exit).toMatchObject({ pid: agent.pid, code: null, stderrTail: ['boom'] })
    expect(scanProc(agent.marker)).toEqual([])
    expect(scanProc(daemon.marker)).toEqual([])
    expect(cookieCarriers(cookie)).toEqual([])
    await sup.shutdown()
    expect(await store.get('a')).toMatchObject({
      status: 'stopped',
      want: 'down',
      run: null,
      restartCount: 3,
    })
  })

  it('a recorded process that died is restarted per its policy; restartCount goes on', async () => {
    await openStore()
    const dead = await outsider()
    process.kill(dead.pid, 'SIGKILL')
    await until(() => readStat(dead.pid)?.startTicks !== dead.startTicks || readStat(dead.pid)?.state === 'Z')
    const cookie = newCookie()
    const again = sleeperSpec('again', sleepMarker(), { restart: 'on-failure' })
    const never = sleeperSpec('never', sleepMarker(), { restart: 'never' })
    markers.push(again.args![0]!, never.args![0]!)
    for (const spec of [again, never]) {
      await leave(spec, { pid: dead.pid, startTicks: dead.startTicks, restartCount: 2, run: run(cookie) })
    }
    sup = new Supervisor({ cgroupParent: null, store })
    const results = await sup.restore()
    expect(results.map((r) => [r.id, r.source, r.outcome])).toEqual([
      ['again', 'store', 'restarting'],
      ['never', 'store', 'kept'],
    ])
    const info = await sup.waitFor('again', 'running', { timeoutMs: 10_000 })
    expect(info).toMatchObject({ restartCount: 3, adopted: false })
    expect(scanProc(again.args![0]!)).toEqual([info.pid])
    expect(sup.get('never')).toMatchObject({ status: 'exited', restartCount: 2, lastExit: { code: null } })
    expect(scanProc(never.args![0]!)).toEqual([])
  })

  it('a pid now held by a stranger is never adopted nor signalled (other start ticks, or no cookie)', async () => {
    await openStore()
    const stranger = await outsider()
    const cookie = newCookie()
    const reused = sleeperSpec('reused', sleepMarker())
    const edited = sleeperSpec('edited', sleepMarker())
    markers.push(reused.args![0]!, edited.args![0]!)
    await leave(reused, { pid: stranger.pid, startTicks: stranger.startTicks + 1, run: run(cookie) })
    // A hand-edited record naming the stranger's real identity: it does not carry the run's cookie.
    await leave(edited, { pid: stranger.pid, startTicks: stranger.startTicks, run: run(cookie) })
    sup = new Supervisor({ cgroupParent: null, store })
    const results = await sup.restore()
    expect(results.map((r) => r.outcome)).toEqual(['restarting', 'restarting'])
    for (const id of ['reused', 'edited']) {
      const info = await sup.waitFor(id, 'running', { timeoutMs: 10_000 })
      expect(info.pid).not.toBe(stranger.pid)
    }
    await sup.shutdown()
    expect(readStat(stranger.pid)).toMatchObject({ startTicks: stranger.startTicks, state: 'S' })
  })

  it('keeps an agent stopped on request, starts one a shutdown stopped and a configured one never saved', async () => {
    await openStore()
    const down = sleeperSpec('down', sleepMarker())
    const up = sleeperSpec('up', sleepMarker())
    const fresh = sleeperSpec('fresh', sleepMarker())
    markers.push(down.args![0]!, up.args![0]!, fresh.args![0]!)
    await leave(down, { status: 'stopped', want: 'down' })
    await leave(up, { status: 'stopped', want: 'up' })
    sup = new Supervisor({ cgroupParent: null, store })
    sup.add(fresh)
    const results = await sup.restore()
    expect(Object.fromEntries(results.map((r) => [r.id, [r.source, r.outcome, r.info?.status]]))).toEqual({
      down: ['store', 'kept', 'stopped'],
      up: ['store', 'started', 'running'],
      fresh: ['config', 'started', 'running'],
    })
    expect(scanProc(down.args![0]!)).toEqual([])
  })

  it('an invalid record is not run: skipped with InvalidRecordError naming the field, or the config wins', async () => {
    await openStore()
    const cookie = newCookie()
    const bad = sleeperSpec('bad', sleepMarker(), { stopTimeoutMs: -1 })
    const forged = sleeperSpec('forged', sleepMarker())
    markers.push(bad.args![0]!, forged.args![0]!)
    await leave(bad, { status: 'stopped' })
    await leave(forged, { run: { ...run(cookie), cookie: 'not-a-cookie' } })
    sup = new Supervisor({ cgroupParent: null, store })
    sup.add(forged)
    const results = await sup.restore()
    const byId = Object.fromEntries(results.map((r) => [r.id, r]))
    expect(byId.bad).toMatchObject({ outcome: 'skipped', info: undefined })
    expect(byId.bad!.error).toBeInstanceOf(InvalidRecordError)
    expect(byId.bad!.error).toMatchObject({ code: 'ERR_CORE_INVALID_RECORD', field: 'spec.stopTimeoutMs' })
    expect(byId.bad!.error!.message).toContain('Expected `stopTimeoutMs` to be an integer from 0')
    expect(sup.get('bad')).toBeUndefined()
    expect(byId.forged).toMatchObject({ outcome: 'started', source: 'config' })
    expect(byId.forged!.error).toMatchObject({ code: 'ERR_CORE_INVALID_RECORD', field: 'run.cookie' })
  })

  it('round trip: what a supervisor saves, the next restores; remove() forgets it', async () => {
    await openStore()
    const spec = sleeperSpec('trip', sleepMarker(), { env: { WARDEN_GONE: undefined, WARDEN_SET: 'x' } })
    markers.push(spec.args![0]!)
    sup = new Supervisor({ cgroupParent: null, store })
    sup.add(spec)
    const first = await sup.start('trip')
    await sup.shutdown()
    const saved = (await store.get('trip')) as unknown as PersistedAgentState
    expect(saved).toMatchObject({ status: 'stopped', want: 'up', run: null, pid: null, adopted: false })
    expect(saved.spec).toEqual({ ...spec, id: undefined, env: { WARDEN_GONE: null, WARDEN_SET: 'x' } })

    sup = new Supervisor({ cgroupParent: null, store })
    const [result] = await sup.restore()
    expect(result).toMatchObject({ source: 'store', outcome: 'started', info: { status: 'running' } })
    expect(result!.info!.pid).not.toBe(first.pid)
    await sup.remove('trip')
    await sup.shutdown()
    expect(await store.get('trip')).not.toHaveProperty('spec')
    sup = new Supervisor({ cgroupParent: null, store })
    expect(await sup.restore()).toEqual([])
  })
})
