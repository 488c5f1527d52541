import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { readStat } from '@warden/utils'
import { describe, expect, it } from 'vitest'
import { type AgentErrorEvent, type AgentExitEvent, LogRelayError, Supervisor } from '../../src/index.js'
import { cookieOf, nodeSpec, relayPids, supervisorPerTest, until } from '../helpers.js'

let sup: Supervisor
const tmp = supervisorPerTest(() => sup)

/** The one relay this process runs (there must be exactly one). */
const theRelay = (): Promise<number> =>
  until(
    () => {
      const found = relayPids()
      return found.length === 1 ? found[0] : undefined
    },
    10_000,
    'the relay',
  )

const lines = (path: string): string[] => {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : ''
  return text === '' ? [] : text.slice(0, -1).split('\n')
}

describe('the log relay', () => {
  it('is one process of its own, started for the first agent with piped output and shared by the next; stop() resolves once the lines are written', async () => {
    sup = new Supervisor({ cgroupParent: null })
    sup.add(nodeSpec('plain', 'forever.js'))
    await sup.start('plain')
    // No output piped yet: no relay.
    expect(relayPids()).toEqual([])
    const out = join(tmp.dir, 'out.log')
    const other = join(tmp.dir, 'other.log')
    sup.add(nodeSpec('r', 'forever.js', [], { logs: { stdout: out } }))
    sup.add(nodeSpec('s', 'forever.js', [], { logs: { stdout: other, events: true } }))
    const { pid } = await sup.start('r')
    const relay = await theRelay()
    const stat = readStat(relay)!
    expect(stat.ppid).toBe(process.pid)
    expect(stat.session).toBe(relay)
    expect(relay).not.toBe(pid)
    // Not one of the agent's processes: the agent's stop() does not signal it.
    expect(cookieOf(relay)).toBeUndefined()
    await sup.start('s')
    expect(relayPids()).toEqual([relay])
    await until(() => lines(out).length === 1 && lines(other).length === 1, 10_000, 'the lines')
    expect((await sup.stop('r')).status).toBe('stopped')
    expect(readFileSync(out, 'utf8')).toBe('ready\n')
    // The relay serves the supervisor, not one agent: it stays while the supervisor is attached.
    expect(relayPids()).toEqual([relay])
    await sup.stop('s')
    expect(relayPids()).toEqual([relay])
    await sup.shutdown()
    expect(relayPids()).toEqual([])
    expect(readStat(relay)).toBeUndefined()
  })

  it('a relay that dies is reported (LogRelayError) to every agent with an open stream; later spawns get a new one; nothing is left', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const out = join(tmp.dir, 'chatter.log')
    sup.add(nodeSpec('c', 'chatter.js', [], { logs: { stdout: out } }))
    sup.add(nodeSpec('f', 'forever.js', [], { logs: { events: true } }))
    sup.add(nodeSpec('done', 'forever.js', [], { logs: { events: true } }))
    const failed = new Map<string, AgentErrorEvent>()
    const both = new Promise<void>((resolve) =>
      sup.on('agent:error', (e) => {
        failed.set(e.id, e)
        if (failed.has('c') && failed.has('f')) resolve()
      }),
    )
    await sup.start('done')
    await sup.stop('done')
    await sup.start('c')
    await sup.start('f')
    const relay = await theRelay()
    const socket = readFileSync(`/proc/${relay}/cmdline`, 'utf8').split('\0')[2]!
    expect(existsSync(socket)).toBe(true)
    process.kill(relay, 'SIGKILL')
    await both
    for (const id of ['c', 'f']) {
      const { error } = failed.get(id)!
      expect(error).toBeInstanceOf(LogRelayError)
      expect(error).toMatchObject({
        code: 'ERR_CORE_LOG_RELAY',
        pid: relay,
        signal: 'SIGKILL',
        exitCode: null,
      })
    }
    // Its socket gone, the chatter dies on its next write (EPIPE) and is restarted with a new relay.
    await until(
      () => sup.get('c')!.restartCount >= 1 && sup.get('c')!.status === 'running',
      10_000,
      'a restart',
    )
    const next = await theRelay()
    expect(next).not.toBe(relay)
    // Stopped before the crash, "done" had no stream in it: nothing of its was lost.
    expect(failed.has('done')).toBe(false)
    // Killed, it could not remove its socket: the supervisor did.
    await until(() => !existsSync(socket), 10_000, 'the dead relay socket to go')
    await sup.shutdown()
    expect(relayPids()).toEqual([])
  })

  it("one agent's flood does not cost another agent a line: drops are the flooder's own", async () => {
    sup = new Supervisor({ cgroupParent: null })
    const floodFile = join(tmp.dir, 'flood.log')
    const quietFile = join(tmp.dir, 'quiet.log')
    const quietEvents: string[] = []
    sup.on('agent:log', (e) => {
      if (e.id === 'quiet') quietEvents.push(e.line)
    })
    sup.add({
      id: 'quiet',
      command: process.execPath,
      args: ['-e', "let n = 0; setInterval(() => console.log('q ' + n++), 2)"],
      logs: { stdout: quietFile, events: true },
    })
    // A queue of one byte: every line that arrives while a write is under way is dropped.
    sup.add(
      nodeSpec('flood', 'log-writer.js', ['200000', '100'], {
        restart: 'never',
        logs: { stdout: floodFile, events: true, maxQueueBytes: 1 },
      }),
    )
    await sup.start('quiet')
    await until(() => quietEvents.length > 0, 10_000, 'the first quiet line')
    await sup.start('flood')
    await sup.waitFor('flood', 'exited', { timeoutMs: 60_000 })
    await sup.flushLogs('flood')
    const during = quietEvents.length
    await until(() => quietEvents.length > during + 10, 10_000, 'quiet lines after the flood')
    await sup.stop('quiet')
    await sup.flushLogs('quiet')
    expect(sup.get('flood')!.droppedLogLines).toBeGreaterThan(0)
    expect(sup.get('quiet')!.droppedLogLines).toBe(0)
    const written = lines(quietFile)
    expect(written.every((l, i) => l === `q ${i}`)).toBe(true)
    expect(quietEvents).toEqual(written)
  })

  it('the processes of a crash loop write one file through one writer: whole lines, no file above maxBytes, nothing dropped', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const out = join(tmp.dir, 'loop.log')
    const maxBytes = 16 * 1024
    sup.add(
      nodeSpec('loop', 'log-writer.js', ['2000', '50'], {
        restart: 'always',
        startLimit: { burst: 1000, intervalMs: 60_000 },
        backoff: { initialMs: 1, maxMs: 1, factor: 1 },
        logs: { stdout: out, maxBytes, backups: 1000 },
      }),
    )
    let cleanExits = 0
    sup.on('agent:exit', (e: AgentExitEvent) => {
      if (e.code === 0) cleanExits++
    })
    await sup.start('loop')
    await until(() => cleanExits >= 5, 30_000, 'five runs')
    await sup.stop('loop')
    await sup.flushLogs('loop')
    const files = readdirSync(tmp.dir).filter((f) => f.startsWith('loop.log'))
    let total = 0
    for (const f of files) {
      const path = join(tmp.dir, f)
      expect(statSync(path).size).toBeLessThanOrEqual(maxBytes)
      for (const line of lines(path)) expect(line).toMatch(/^\d+ x{50}$/)
      total += lines(path).length
    }
    expect(total).toBeGreaterThanOrEqual(2000 * cleanExits)
    expect(sup.get('loop')!.droppedLogLines).toBe(0)
  })
})
