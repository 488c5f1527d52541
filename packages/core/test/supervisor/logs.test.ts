import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LogWriteError, Supervisor } from '../../src/index.js'
import { nodeSpec, supervisorPerTest } from '../helpers.js'

let sup: Supervisor
const tmp = supervisorPerTest(() => sup)

function readAll(path: string, backups: number): string[] {
  const files = [path, ...Array.from({ length: backups }, (_, i) => `${path}.${i + 1}`)].filter(existsSync)
  return files.reverse().flatMap((f) => {
    const text = readFileSync(f, 'utf8')
    expect(text.endsWith('\n')).toBe(true)
    return text.slice(0, -1).split('\n')
  })
}

describe('logs', () => {
  it('rotates under a fast writer without losing or splitting a line', async () => {
    const lines = 60_000
    const pad = 40
    const out = join(tmp.dir, 'fast.out.log')
    sup = new Supervisor()
    sup.add(
      nodeSpec('fast', 'log-writer.js', [String(lines), String(pad)], {
        restart: 'never',
        logs: { stdout: out, maxBytes: 256 * 1024, backups: 20 },
      }),
    )
    await sup.start('fast')
    await sup.waitFor('fast', 'exited', { timeoutMs: 20_000 })
    await sup.instance('fast')!.flushLogs()
    expect(existsSync(`${out}.3`)).toBe(true)
    for (const f of [out, `${out}.1`, `${out}.2`]) {
      expect(readFileSync(f).length).toBeLessThanOrEqual(256 * 1024)
    }
    const got = readAll(out, 20)
    expect(got).toHaveLength(lines)
    const padding = 'x'.repeat(pad)
    got.forEach((line, i) => {
      if (line !== `${i} ${padding}`) expect(line).toBe(`${i} ${padding}`)
    })
    expect(sup.instance('fast')!.droppedLogLines).toBe(0)
  })

  it('emits agent:log line events per stream; unterminated last line is kept', async () => {
    sup = new Supervisor()
    const got: string[] = []
    sup.on('agent:log', (e) => got.push(`${e.stream}:${e.line}`))
    sup.add({
      id: 'ev',
      command: process.execPath,
      args: ['-e', 'process.stdout.write("a\\nb"); process.stderr.write("c\\n")'],
      restart: 'never',
      logs: { events: true },
    })
    await sup.start('ev')
    await sup.waitFor('ev', 'exited', { timeoutMs: 10_000 })
    await sup.instance('ev')!.flushLogs()
    expect(got.filter((l) => l.startsWith('stdout:'))).toEqual(['stdout:a', 'stdout:b'])
    expect(got.filter((l) => l.startsWith('stderr:'))).toEqual(['stderr:c'])
  })

  it('combines stdout and stderr in one file when both name the same path', async () => {
    const file = join(tmp.dir, 'both.log')
    sup = new Supervisor()
    sup.add({
      id: 'both',
      command: process.execPath,
      args: ['-e', 'console.log("out"); console.error("err")'],
      restart: 'never',
      logs: { stdout: file, stderr: file },
    })
    await sup.start('both')
    await sup.waitFor('both', 'exited', { timeoutMs: 10_000 })
    await sup.instance('both')!.flushLogs()
    expect(readFileSync(file, 'utf8').split('\n').sort()).toEqual(['', 'err', 'out'])
  })

  it('an unwritable log file is reported as agent:error, the agent keeps running', async () => {
    sup = new Supervisor()
    sup.add(nodeSpec('nolog', 'forever.js', [], { logs: { stdout: join(tmp.dir, 'missing', 'x.log') } }))
    const error = new Promise<{ id: string; error: Error }>((r) => sup.once('agent:error', r))
    await sup.start('nolog')
    const e = await error
    expect(e.error).toBeInstanceOf(LogWriteError)
    expect(e.error.message).toContain(join(tmp.dir, 'missing', 'x.log'))
    expect(sup.get('nolog')).toMatchObject({ status: 'running', lastError: { code: 'ERR_CORE_LOG_WRITE' } })
  })
})
