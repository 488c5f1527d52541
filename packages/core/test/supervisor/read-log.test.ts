import {
  appendFileSync,
  chmodSync,
  mkdirSync,
  renameSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AgentNotFoundError, InvalidOptionError, Supervisor } from '../../src/index.js'
import { canSwitchToNobody, nodeSpec, supervisorPerTest } from '../helpers.js'

let sup: Supervisor
const tmp = supervisorPerTest(() => sup)

const numbered = (from: number, to: number): string =>
  Array.from({ length: to - from }, (_, i) => `line ${from + i}\n`).join('')

describe('spec(id)', () => {
  it('is the spec as given, deep-frozen, the same object until the agent goes', async () => {
    sup = new Supervisor({ cgroupParent: null, keepAlive: false })
    sup.add(nodeSpec('a', 'forever.js', ['x'], { labels: { team: 'web' }, env: { A: '1', B: undefined } }))
    const spec = sup.spec('a')!
    expect(spec).toMatchObject({ id: 'a', command: process.execPath, labels: { team: 'web' } })
    expect(spec.env).toEqual({ A: '1', B: null })
    expect(Object.isFrozen(spec) && Object.isFrozen(spec.args) && Object.isFrozen(spec.labels)).toBe(true)
    expect(sup.spec('a')).toBe(spec)
    expect(sup.spec('nope')).toBeUndefined()
    await sup.remove('a')
    expect(sup.spec('a')).toBeUndefined()
  })
})

describe('readLog(id)', () => {
  it('reads the last whole lines, then what was written since, across a rotation and a truncation', async () => {
    const out = join(tmp.dir, 'a.log')
    sup = new Supervisor({ cgroupParent: null, keepAlive: false })
    sup.add(nodeSpec('a', 'forever.js', [], { logs: { stdout: out } }))

    const none = await sup.readLog('a')
    expect(none).toMatchObject({ stream: 'stdout', path: out, lines: [], gap: false })

    writeFileSync(out, `${numbered(0, 5000)}partial`)
    const tail = (await sup.readLog('a', { lines: 3 }))!
    expect(tail.lines).toEqual(['line 4997', 'line 4998', 'line 4999'])
    expect((await sup.readLog('a', { lines: 10_000 }))!.lines).toHaveLength(5000)

    expect((await sup.readLog('a', { from: tail.position }))!.lines).toEqual([])
    appendFileSync(out, ` end\n${numbered(5000, 5002)}`)
    const next = (await sup.readLog('a', { from: tail.position }))!
    expect(next.lines).toEqual(['partial end', 'line 5000', 'line 5001'])

    // Rotated as the relay does (rename to .1, a new file): the rest of .1 comes first.
    appendFileSync(out, numbered(5002, 5004))
    renameSync(out, `${out}.1`)
    writeFileSync(out, numbered(6000, 6002))
    const rest = (await sup.readLog('a', { from: next.position }))!
    expect(rest).toMatchObject({ lines: ['line 5002', 'line 5003'], gap: false })
    const fresh = (await sup.readLog('a', { from: rest.position }))!
    expect(fresh).toMatchObject({ lines: ['line 6000', 'line 6001'], gap: false })

    truncateSync(out, 0)
    appendFileSync(out, 'after truncation\n')
    const truncated = (await sup.readLog('a', { from: fresh.position }))!
    expect(truncated).toMatchObject({ lines: ['after truncation'], gap: true })
  })

  it('hands over a long backlog in maxBytes pieces of whole lines', async () => {
    const out = join(tmp.dir, 'b.log')
    sup = new Supervisor({ cgroupParent: null, keepAlive: false })
    sup.add(nodeSpec('b', 'forever.js', [], { logs: { stdout: out, stderr: join(tmp.dir, 'b.err') } }))
    writeFileSync(out, numbered(0, 100))
    let position = { file: '', offset: 0 }
    const got: string[] = []
    for (let i = 0; i < 100; i++) {
      const r = (await sup.readLog('b', { from: position, maxBytes: 64 }))!
      if (r.lines.length === 0) break
      got.push(...r.lines)
      position = r.position
    }
    expect(got).toEqual(numbered(0, 100).slice(0, -1).split('\n'))
    expect((await sup.readLog('b', { stream: 'stderr' }))!.lines).toEqual([])
  })

  it('resolves undefined for a stream without a file; rejects unknown agents and bad options', async () => {
    sup = new Supervisor({ cgroupParent: null, keepAlive: false })
    sup.add(nodeSpec('c', 'forever.js'))
    expect(await sup.readLog('c')).toBeUndefined()
    await expect(sup.readLog('nope')).rejects.toBeInstanceOf(AgentNotFoundError)
    await expect(sup.readLog('c', { lines: 0 })).rejects.toThrow(/`lines`/)
    await expect(sup.readLog('c', { stream: 'both' as 'stdout' })).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(sup.readLog('c', { from: { file: 'x', offset: -1 } })).rejects.toThrow(/`from`/)
    await expect(sup.readLog('c', { line: 3 } as object)).rejects.toThrow(/Unknown key `line`/)
  })

  it.skipIf(!canSwitchToNobody())(
    'opens the file of an agent run as another user as that user could (needs root and nobody)',
    async () => {
      const dir = join(tmp.dir, 'logs')
      mkdirSync(dir)
      chmodSync(tmp.dir, 0o755)
      chmodSync(dir, 0o777)
      const secret = join(tmp.dir, 'secret')
      writeFileSync(secret, 'root only\n', { mode: 0o600 })
      const out = join(dir, 'n.log')
      symlinkSync(secret, out)
      sup = new Supervisor({ cgroupParent: null, keepAlive: false })
      sup.add(nodeSpec('n', 'forever.js', [], { user: 'nobody', logs: { stdout: out } }))
      await expect(sup.readLog('n')).rejects.toMatchObject({ code: 'EACCES' })
      chmodSync(secret, 0o644)
      expect((await sup.readLog('n'))!.lines).toEqual(['root only'])
    },
  )
})
