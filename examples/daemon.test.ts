import { type ChildProcess, spawn } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FileMetadataStore } from '@warden/store'
import { afterEach, expect, it } from 'vitest'
import { until as sharedUntil } from '../test/helpers/until.js'

const root = fileURLToPath(new URL('..', import.meta.url))
let dir: string
const children: ChildProcess[] = []
/** Unique arguments of the processes this test starts, to find them in /proc. */
const marks: string[] = []

/** Start ticks of `pid` (field 22 of /proc/<pid>/stat), undefined when gone or a zombie. */
function startTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : Number(fields[19])
  } catch {
    return undefined
  }
}

/** Pids of live processes whose command line contains `text`. */
function carrying(text: string): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid)
    .filter((n) => {
      try {
        return (
          readFileSync(`/proc/${n}/cmdline`, 'latin1').includes(text) && startTicks(Number(n)) !== undefined
        )
      } catch {
        return false
      }
    })
    .map(Number)
}

/** The shared poll helper, with this file's argument order (what, then timeout). */
const until = <T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> => sharedUntil(check, timeoutMs, what)

type Event = { event: string } & Record<string, unknown>

/** A daemon (examples/daemon.ts) on the test's store; its JSON lines are collected. */
function daemon(): {
  child: ChildProcess
  events: Event[]
  next: (match: (e: Event) => boolean) => Promise<Event>
} {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@warden/source',
      '--import',
      'tsx',
      'examples/daemon.ts',
      join(dir, 'store'),
      join(dir, 'config.json'),
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  children.push(child)
  const events: Event[] = []
  let pending = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk
    const lines = pending.split('\n')
    pending = lines.pop()!
    for (const line of lines) if (line.startsWith('{')) events.push(JSON.parse(line) as Event)
  })
  const next = (match: (e: Event) => boolean) => until(() => events.find(match), 'a daemon event')
  return { child, events, next }
}

const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((r) => child.once('exit', (code) => r(code)))

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL')
  // Whatever this test started carries its directory (daemons, relays) or a mark (agents).
  for (const text of [dir, ...marks.splice(0)]) for (const pid of carrying(text)) process.kill(pid, 'SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

it('a SIGKILLed daemon comes back with restore(): running agents keep their pids and logs, a dead one restarts, a reused pid is left alone', {
  timeout: 120_000,
}, async () => {
  dir = mkdtempSync(join(tmpdir(), 'warden-daemon-'))
  // `sleep` takes a fractional duration: a number unique to this test marks each agent's process.
  const mark = (): string => {
    const m = `360000.${String(randomInt(1e9)).padStart(9, '0')}${String(randomInt(1e9)).padStart(9, '0')}`
    marks.push(m)
    return m
  }
  const agents = { logger: mark(), quiet: mark(), crashy: mark(), reused: mark() }
  const logFile = join(dir, 'logger.log')
  const crashyLog = join(dir, 'crashy.log')
  const tick = `let n = 0; setInterval(() => console.log('tick ' + ++n), 20)`
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      intervalMs: 100,
      agents: [
        {
          id: 'logger',
          command: process.execPath,
          args: ['-e', tick, agents.logger],
          logs: { stdout: logFile },
        },
        { id: 'quiet', command: 'sleep', args: [agents.quiet] },
        {
          id: 'crashy',
          command: 'sh',
          args: ['-c', 'echo up; exec sleep "$0"', agents.crashy],
          backoff: { initialMs: 20 },
          logs: { stdout: crashyLog },
        },
        { id: 'reused', command: 'sleep', args: [agents.reused], backoff: { initialMs: 20 } },
      ],
    }),
  )

  // 1. The first daemon starts everything and records some history.
  const first = daemon()
  const ready1 = await first.next((e) => e.event === 'restored')
  const pids1 = Object.fromEntries(
    (ready1.agents as Array<{ id: string; outcome: string; pid: number }>).map((a) => [a.id, a.pid]),
  )
  expect((ready1.agents as Array<{ outcome: string }>).map((a) => a.outcome)).toEqual([
    'started',
    'started',
    'started',
    'started',
  ])
  const ticks1 = Object.fromEntries(Object.entries(pids1).map(([id, pid]) => [id, startTicks(pid)!]))
  const readOnly = new FileMetadataStore({ dir: join(dir, 'store'), readOnly: true })
  await readOnly.open()
  await until(async () => ((await readOnly.get('quiet'))?.resourceUsage.length ?? 0) >= 2, 'history points')
  await until(
    () => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('tick 2\n'),
    'the first lines',
  )
  // One log relay serves the daemon's agents; the store says which.
  const relayOf = async (id: string) =>
    ((await readOnly.get(id)) as unknown as { run: { relay: { pid: number; startTicks: number } | null } })
      .run.relay
  const relay = (await until(() => relayOf('logger'), 'the relay saved'))!
  await until(async () => (await relayOf('crashy'))?.pid === relay.pid, 'crashy on the same relay')

  // 2. SIGKILL: the agents live on; the logger keeps logging through its relay.
  first.child.kill('SIGKILL')
  await exited(first.child)
  for (const [id, pid] of Object.entries(pids1)) expect(startTicks(pid), id).toBe(ticks1[id])
  expect(startTicks(relay.pid)).toBe(relay.startTicks)
  const logged = readFileSync(logFile, 'utf8').length
  await until(() => readFileSync(logFile, 'utf8').length > logged, 'the logger to keep logging')

  // 3. While no daemon runs: crashy dies; reused's process is gone and its recorded pid is a stranger's.
  process.kill(pids1.crashy!, 'SIGKILL')
  process.kill(pids1.reused!, 'SIGKILL')
  const stranger = spawn('sleep', [mark()], { detached: true, stdio: 'ignore' })
  children.push(stranger)
  await new Promise((r) => stranger.once('spawn', r))
  const strangerTicks = startTicks(stranger.pid!)!
  await until(
    () => startTicks(pids1.crashy!) === undefined && startTicks(pids1.reused!) === undefined,
    'the kills',
  )
  const writer = new FileMetadataStore({ dir: join(dir, 'store') })
  await writer.open()
  await writer.update('reused', (m) => Object.assign(m, { pid: stranger.pid, startTicks: strangerTicks + 1 }))
  const history1 = (await writer.get('quiet'))!.resourceUsage.length
  const crashyRestarts = (await writer.get('crashy'))!.restartCount
  await writer.close()

  // 4. The second daemon restores.
  const second = daemon()
  await second.next((e) => e.event === 'ready')
  const restored = Object.fromEntries(
    (
      second.events.find((e) => e.event === 'restored')!.agents as Array<{
        id: string
        outcome: string
        pid: number | null
      }>
    ).map((a) => [a.id, a]),
  )
  expect(restored.logger).toMatchObject({ outcome: 'adopted', pid: pids1.logger })
  expect(restored.quiet).toMatchObject({ outcome: 'adopted', pid: pids1.quiet })
  expect(restored.crashy).toMatchObject({ outcome: 'restarting' })
  expect(restored.reused).toMatchObject({ outcome: 'restarting' })
  // Still the very same processes (pid + start ticks): nothing was restarted.
  expect(startTicks(pids1.logger!)).toBe(ticks1.logger)
  expect(startTicks(pids1.quiet!)).toBe(ticks1.quiet)
  const crashy = await second.next((e) => e.event === 'start' && e.id === 'crashy')
  const reused = await second.next((e) => e.event === 'start' && e.id === 'reused')
  expect(crashy).toMatchObject({ adopted: false, restartCount: crashyRestarts + 1 })
  expect(crashy.pid).not.toBe(pids1.crashy)
  expect(reused.pid).not.toBe(stranger.pid)
  expect(carrying(agents.crashy)).toEqual([crashy.pid])
  expect(carrying(agents.reused)).toEqual([reused.pid])
  expect(startTicks(stranger.pid!)).toBe(strangerTicks)
  // The second daemon attached to the surviving relay: its new crashy process writes through it too.
  await until(() => readFileSync(crashyLog, 'utf8') === 'up\nup\n', 'the restarted crashy line')
  await until(async () => (await relayOf('crashy'))?.pid === relay.pid, 'crashy restarted on the same relay')
  expect(await relayOf('logger')).toMatchObject({ pid: relay.pid, startTicks: relay.startTicks })

  // The history goes on in the same record, and so does the log (same process: no counter reset).
  await until(
    async () => ((await readOnly.get('quiet'))?.resourceUsage.length ?? 0) > history1 + 1,
    'more history',
  )
  const text = readFileSync(logFile, 'utf8')
  const lines = text.slice(0, text.lastIndexOf('\n')).split('\n')
  expect(lines.length).toBeGreaterThan(3)
  expect(lines.every((l, i) => l === `tick ${i + 1}`)).toBe(true)
  await readOnly.close()

  // 5. SIGTERM: monitor, supervisor, store, in that order; nothing of the agents is left.
  second.child.kill('SIGTERM')
  expect(await exited(second.child)).toBe(0)
  expect(second.events.at(-1)).toEqual({ event: 'stopped', code: 0 })
  for (const m of Object.values(agents)) expect(carrying(m)).toEqual([])
  expect(startTicks(relay.pid)).toBeUndefined()
  expect(startTicks(stranger.pid!)).toBe(strangerTicks)
  // The store was closed (lock released): a writer can open it.
  const after = new FileMetadataStore({ dir: join(dir, 'store') })
  await after.open()
  expect(await after.get('logger')).toMatchObject({ status: 'stopped', want: 'up', restartCount: 0 })
  await after.close()
  expect(existsSync(logFile)).toBe(true)
})
