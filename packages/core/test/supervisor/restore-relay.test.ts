import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FileMetadataStore } from '@warden/store'
import { isSameProcessAlive } from '@warden/utils'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type AgentLogEvent,
  type PersistedAgentState,
  type StoredRelay,
  Supervisor,
} from '../../src/index.js'
import {
  fixture,
  killMarked,
  relayPids,
  scanProc,
  sleepMarker,
  supervisorPerTest,
  until,
} from '../helpers.js'

const root = fileURLToPath(new URL('../../../..', import.meta.url))
let sup: Supervisor
const tmp = supervisorPerTest(() => sup)
let store: FileMetadataStore | undefined
const children: ChildProcess[] = []
const markers: string[] = []
/** Relays the crashed supervisors started: killed if a test left them. */
const relays: StoredRelay[] = []
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL')
  for (const m of markers.splice(0)) killMarked(m)
  for (const r of relays.splice(0)) if (isSameProcessAlive(r)) process.kill(r.pid, 'SIGKILL')
  await store?.close()
  store = undefined
})

/** Polls the async `fn` until it returns a truthy value (or the deadline passes). */
async function poll<T>(fn: () => Promise<T>, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const lines = (path: string): string[] => readFileSync(path, 'utf8').split('\n').slice(0, -1)

/**
 * A supervisor (test/fixtures/logging-supervisor.ts) whose agent "talker" logs to a file and to
 * events through its relay, SIGKILLed once the relay is saved in the store.
 */
async function crashedSupervisor(): Promise<{
  storeDir: string
  relay: StoredRelay
  talker: { pid: number; startTicks: number }
  log: string
  marker: string
}> {
  const marker = sleepMarker()
  markers.push(marker)
  const storeDir = join(tmp.dir, 'store')
  const child = spawn(
    process.execPath,
    [
      '--conditions=@warden/source',
      '--import',
      'tsx',
      fixture('logging-supervisor.ts'),
      storeDir,
      tmp.dir,
      marker,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  children.push(child)
  let out = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk
  })
  await until(() => out.includes('started'), 20_000, 'the supervisor to start its agent')
  const reader = new FileMetadataStore({ dir: storeDir, readOnly: true })
  await reader.open()
  const saved = await poll(async () => {
    const s = (await reader.get('talker')) as unknown as PersistedAgentState | undefined
    return s?.run?.relay && s.pid !== null && s.startTicks !== null ? s : undefined
  }, 'the relay in the store')
  await reader.close()
  relays.push(saved.run!.relay!)
  const log = join(tmp.dir, 'talker.log')
  await until(() => existsSync(log) && lines(log).length >= 2, 10_000, 'the first lines')
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
  return {
    storeDir,
    relay: saved.run!.relay!,
    talker: { pid: saved.pid!, startTicks: saved.startTicks! },
    log,
    marker,
  }
}

async function openStore(dir: string): Promise<FileMetadataStore> {
  store = new FileMetadataStore({ dir, fsync: false })
  await store.open()
  return store
}

const nextLine = (s: Supervisor, id: string): Promise<AgentLogEvent> =>
  new Promise((resolve) => {
    const on = (e: AgentLogEvent): void => {
      if (e.id !== id) return
      s.off('agent:log', on)
      resolve(e)
    }
    s.on('agent:log', on)
  })

describe('restore() and the log relay', () => {
  it("attaches again to the relay a SIGKILLed supervisor left: agent:log goes on for the restored agent, the new supervisor's agents share the relay", async () => {
    const { storeDir, relay, talker, log, marker } = await crashedSupervisor()
    // No supervisor: the agent goes on logging through its relay.
    const size = statSync(log).size
    await until(() => statSync(log).size > size, 10_000, 'the log to grow')
    sup = new Supervisor({ cgroupParent: null, store: await openStore(storeDir) })
    const line = nextLine(sup, 'talker')
    const agent = (id: string) => ({
      id,
      command: process.execPath,
      args: ['-e', `console.log('${id}'); setInterval(() => {}, 1000)`, marker],
      logs: { stdout: join(tmp.dir, `${id}.log`) },
    })
    // Configured, never saved: restore() starts it, once the relay is attached again.
    sup.add(agent('fresh'))
    const results = await sup.restore()
    expect(results.map((r) => [r.id, r.outcome])).toEqual([
      ['talker', 'adopted'],
      ['fresh', 'started'],
    ])
    expect(results[0]!.info).toMatchObject({ pid: talker.pid })
    expect((await line).line).toMatch(/^t \d+$/)
    sup.add(agent('second'))
    await sup.start('second')
    for (const id of ['fresh', 'second']) {
      const file = join(tmp.dir, `${id}.log`)
      await until(() => existsSync(file) && readFileSync(file, 'utf8') === `${id}\n`, 10_000, 'its line')
      const saved = await poll(async () => {
        const s = (await store!.get(id)) as unknown as PersistedAgentState | undefined
        return s?.run?.relay ?? undefined
      }, `${id} saved`)
      expect(saved).toMatchObject({ pid: relay.pid, startTicks: relay.startTicks, token: relay.token })
    }
    // No relay of this process's own: the one found again serves both.
    expect(relayPids()).toEqual([])
    await sup.shutdown()
    expect(isSameProcessAlive(relay)).toBe(false)
    expect(existsSync(relay.socket)).toBe(false)
    expect(scanProc(marker)).toEqual([])
    // Not a line lost across the supervisor's death and the re-attach.
    const written = lines(log)
    expect(written.length).toBeGreaterThan(3)
    expect(written.every((l, i) => l === `t ${i}`)).toBe(true)
  })

  it('a recorded relay that is gone took the output with it: the agent is handled as before, a fresh relay serves new processes, the old socket goes', async () => {
    const { storeDir, relay } = await crashedSupervisor()
    process.kill(relay.pid, 'SIGKILL')
    await until(() => !isSameProcessAlive(relay), 10_000, 'the relay to die')
    sup = new Supervisor({ cgroupParent: null, store: await openStore(storeDir), adoptPollIntervalMs: 20 })
    const line = nextLine(sup, 'talker')
    const [result] = await sup.restore()
    expect(['adopted', 'restarting']).toContain(result!.outcome)
    // Its socket broken, the talker dies on its next write (EPIPE) and runs again: a new relay.
    expect((await line).line).toMatch(/^t \d+$/)
    expect(sup.get('talker')).toMatchObject({ status: 'running', adopted: false })
    const [fresh] = relayPids()
    expect(fresh).toBeDefined()
    expect(fresh).not.toBe(relay.pid)
    await until(() => !existsSync(relay.socket), 10_000, 'the stale socket to be removed')
  })

  it('with no supervisor attached, the relay ends once the last stream it holds does', async () => {
    const { relay, talker, log } = await crashedSupervisor()
    expect(isSameProcessAlive(relay)).toBe(true)
    if (isSameProcessAlive(talker)) process.kill(talker.pid, 'SIGKILL')
    await until(() => !isSameProcessAlive(relay), 10_000, 'the relay to end on its own')
    expect(existsSync(relay.socket)).toBe(false)
    const written = lines(log)
    expect(written.every((l, i) => l === `t ${i}`)).toBe(true)
  })
})
