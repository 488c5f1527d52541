import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type AgentExitEvent, type AgentFatalEvent, SpawnError, Supervisor } from '../../src/index.js'
import { fixture, nodeSpec, supervisorPerTest, until } from '../helpers.js'

let sup: Supervisor
const tmp = supervisorPerTest(() => sup)

function nextExit(s: Supervisor, id: string): Promise<AgentExitEvent> {
  return new Promise((resolve) => {
    const on = (e: AgentExitEvent): void => {
      if (e.id !== id) return
      s.off('agent:exit', on)
      resolve(e)
    }
    s.on('agent:exit', on)
  })
}

describe('why did it fail: the stderr tail', () => {
  it('with default options, `node missing.js` exits 1 and says why', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const missing = join(tmp.dir, 'missing.js')
    sup.add({ id: 'missing', command: process.execPath, args: [missing], restart: 'never' })
    const exit = nextExit(sup, 'missing')
    await sup.start('missing')
    const e = await exit
    expect(e.code).toBe(1)
    expect(e.stderrTail.join('\n')).toContain('Cannot find module')
    expect(e.stderrTail.join('\n')).toContain(missing)
    const info = await sup.waitFor('missing', 'exited', { timeoutMs: 10_000 })
    expect(info.lastExit).toMatchObject({ code: 1, stderrTail: e.stderrTail })
  })

  it('keeps the last `lines` lines within `maxBytes`; a crash loop ends fatal with the tail', async () => {
    sup = new Supervisor({ cgroupParent: null })
    sup.add(
      nodeSpec('loud', 'stderr-lines.js', ['100', '3'], {
        startLimit: { burst: 2, intervalMs: 60_000 },
        stderrTail: { lines: 5, maxBytes: 4096 },
      }),
    )
    const fatal = new Promise<AgentFatalEvent>((r) => sup.once('agent:fatal', r))
    await sup.start('loud')
    const f = await fatal
    const expected = ['err 95', 'err 96', 'err 97', 'err 98', 'err 99']
    expect(f).toMatchObject({ reason: 'start-limit', stderrTail: expected })
    expect(sup.get('loud')!.lastExit).toMatchObject({ code: 3, stderrTail: expected })

    sup.add(nodeSpec('wide', 'stderr-lines.js', ['10', '1', '100'], { stderrTail: { maxBytes: 250 } }))
    const exit = nextExit(sup, 'wide')
    await sup.start('wide')
    const tail = (await exit).stderrTail
    expect(tail).toEqual([`err 8 ${'x'.repeat(100)}`, `err 9 ${'x'.repeat(100)}`])
  })

  it('is read from the pipe when stderr goes to a log file, and can be turned off', async () => {
    sup = new Supervisor({ cgroupParent: null })
    sup.add(
      nodeSpec('logged', 'stderr-lines.js', ['3'], {
        restart: 'never',
        logs: { stderr: join(tmp.dir, 'err.log') },
      }),
    )
    const exit = nextExit(sup, 'logged')
    await sup.start('logged')
    expect((await exit).stderrTail).toEqual(['err 0', 'err 1', 'err 2'])

    sup.add(nodeSpec('quiet', 'stderr-lines.js', ['3'], { restart: 'never', stderrTail: { lines: 0 } }))
    const quiet = nextExit(sup, 'quiet')
    await sup.start('quiet')
    expect((await quiet).stderrTail).toEqual([])
    expect((await sup.waitFor('quiet', 'exited')).lastExit).not.toHaveProperty('stderrTail')
  })

  it('an agent flooding stderr without logs does not fill the disk; the tail stays right', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const ready = join(tmp.dir, 'ready')
    sup.add(nodeSpec('flood', 'stderr-flood.js', [String(4 << 20), ready]))
    const { pid } = await sup.start('flood')
    await until(() => existsSync(ready), 15_000, 'the flood to be written')
    await until(
      () => statSync(`/proc/${pid}/fd/2`).size <= 256 * 1024,
      10_000,
      'the stderr file to be emptied',
    )
    const exit = nextExit(sup, 'flood')
    await sup.stop('flood')
    const tail = (await exit).stderrTail
    expect(tail.at(-1)).toBe('last')
    expect(tail.slice(0, -1).every((l) => l === 'flood '.repeat(15))).toBe(true)
  })

  it('a command line given as `command` fails with a hint: there is no shell, use args', async () => {
    sup = new Supervisor({ cgroupParent: null })
    sup.add({ id: 'shelly', command: `node ${fixture('forever.js')}`, restart: 'never' })
    const fatal = new Promise<AgentFatalEvent>((r) => sup.once('agent:fatal', r))
    await sup.start('shelly')
    const error = (await fatal).error!
    expect(error).toBeInstanceOf(SpawnError)
    expect(error.syscallCode).toBe('ENOENT')
    expect(error.hint).toContain('there is no shell')
    expect(error.message).toContain(`command: "node", args: ["${fixture('forever.js')}"]`)
    expect(sup.get('shelly')!.lastError?.message).toContain('put the arguments in `args`')
  })
})
