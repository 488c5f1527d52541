import { isSameProcessAlive, startTicksOf } from '@warden/utils'
import { describe, expect, it } from 'vitest'
import { CONTROL_TOKEN, closeWardensAfterEach, idle, startWarden } from '../helpers.js'

closeWardensAfterEach()

const control = { env: { WARDEN_TOKEN: CONTROL_TOKEN } }

/** The process as /proc knows it now (pid and start time), so a reused pid is not taken for it. */
function identity(pid: number): { pid: number; startTicks: number } {
  return { pid, startTicks: startTicksOf(pid)! }
}

describe('warden start|stop|restart', () => {
  it('restart replaces the process, stop ends it, start runs a new one', async () => {
    const w = await startWarden({ agents: () => [idle('web')] })
    const first = identity(w.supervisor.get('web')!.pid!)

    const restarted = await w.cli(['restart', 'web'], control)
    const second = w.supervisor.get('web')!.pid!
    expect(restarted).toMatchObject({
      code: 0,
      stdout: `restarted web: running, pid ${second}\n`,
      stderr: '',
    })
    expect(second).not.toBe(first.pid)
    expect(isSameProcessAlive(first)).toBe(false)
    const secondIdentity = identity(second)
    expect(isSameProcessAlive(secondIdentity)).toBe(true)

    const stopped = await w.cli(['stop', 'web'], control)
    expect(stopped).toMatchObject({ code: 0, stdout: 'stopped web: stopped\n' })
    expect(isSameProcessAlive(secondIdentity)).toBe(false)

    const started = await w.cli(['start', 'web'], control)
    const third = w.supervisor.get('web')!.pid!
    expect(started).toMatchObject({ code: 0, stdout: `started web: running, pid ${third}\n` })
    expect(isSameProcessAlive(identity(third))).toBe(true)
  })

  it('--json prints the daemon answer: the agent view', async () => {
    const w = await startWarden({ agents: () => [idle('web')] })
    const r = await w.cli(['restart', 'web', '--json'], control)
    expect(r.code).toBe(0)
    const { agent } = JSON.parse(r.stdout)
    expect(agent).toMatchObject({
      id: 'web',
      status: 'running',
      pid: w.supervisor.get('web')!.pid,
      restarts: 1,
    })
  })
})
