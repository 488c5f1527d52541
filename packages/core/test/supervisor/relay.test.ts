import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type AgentErrorEvent, LogRelayError, Supervisor } from '../../src/index.js'
import { readStat } from '../../src/proc/stat.js'
import { cookieOf, nodeSpec, scanProc, supervisorPerTest, until } from '../helpers.js'

let sup: Supervisor
const tmp = supervisorPerTest(() => sup)

/** The relay of the agent logging to `file`: the one process whose command line names the file. */
const relayOf = (file: string): Promise<number> =>
  until(
    () => {
      const found = scanProc(file)
      return found.length === 1 ? found[0] : undefined
    },
    10_000,
    `the relay of ${file}`,
  )

describe('the log relay', () => {
  it('is a process of its own holding the pipe; stop() resolves once it wrote everything and exited', async () => {
    sup = new Supervisor()
    const out = join(tmp.dir, 'out.log')
    sup.add(nodeSpec('r', 'forever.js', [], { logs: { stdout: out } }))
    const { pid } = await sup.start('r')
    const relay = await relayOf(out)
    const stat = readStat(relay)!
    expect(stat.ppid).toBe(process.pid)
    expect(stat.session).toBe(relay)
    expect(relay).not.toBe(pid)
    // Not one of the agent's processes: the agent's stop() does not signal it before it is done.
    expect(cookieOf(relay)).toBeUndefined()
    await until(() => existsSync(out) && readFileSync(out, 'utf8') === 'ready\n', 10_000, 'the line')
    expect((await sup.stop('r')).status).toBe('stopped')
    expect(scanProc(out)).toEqual([])
    expect(readFileSync(out, 'utf8')).toBe('ready\n')
  })

  it('a relay that dies is reported (LogRelayError); the next start gets a new one; nothing is left', async () => {
    sup = new Supervisor()
    const out = join(tmp.dir, 'chatter.log')
    sup.add(nodeSpec('c', 'chatter.js', [], { logs: { stdout: out } }))
    const failed = new Promise<AgentErrorEvent>((resolve) => sup.once('agent:error', resolve))
    await sup.start('c')
    const relay = await relayOf(out)
    process.kill(relay, 'SIGKILL')
    const { error } = await failed
    expect(error).toBeInstanceOf(LogRelayError)
    expect(error).toMatchObject({ code: 'ERR_CORE_LOG_RELAY', pid: relay, signal: 'SIGKILL', exitCode: null })
    // Its pipe gone, the agent dies on its next write (EPIPE) and is restarted with a new relay.
    await until(
      () => sup.get('c')!.restartCount >= 1 && sup.get('c')!.status === 'running',
      10_000,
      'a restart',
    )
    const next = await relayOf(out)
    expect(next).not.toBe(relay)
    await sup.stop('c')
    expect(scanProc(out)).toEqual([])
  })
})
