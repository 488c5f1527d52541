import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type AgentErrorEvent, LogWriteError, Supervisor } from '../../src/index.js'
import { nodeSpec, supervisorPerTest, until } from '../helpers.js'

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
    sup = new Supervisor({ cgroupParent: null })
    sup.add(
      nodeSpec('fast', 'log-writer.js', [String(lines), String(pad)], {
        restart: 'never',
        logs: { stdout: out, maxBytes: 256 * 1024, backups: 20 },
      }),
    )
    await sup.start('fast')
    await sup.waitFor('fast', 'exited', { timeoutMs: 20_000 })
    await sup.flushLogs('fast')
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
    expect(sup.get('fast')!.droppedLogLines).toBe(0)
  })

  it('emits agent:log line events per stream; unterminated last line is kept', async () => {
    sup = new Supervisor({ cgroupParent: null })
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
    await sup.flushLogs('ev')
    expect(got.filter((l) => l.startsWith('stdout:'))).toEqual(['stdout:a', 'stdout:b'])
    expect(got.filter((l) => l.startsWith('stderr:'))).toEqual(['stderr:c'])
  })

  it('combines stdout and stderr in one file when both name the same path', async () => {
    const file = join(tmp.dir, 'both.log')
    sup = new Supervisor({ cgroupParent: null })
    sup.add({
      id: 'both',
      command: process.execPath,
      args: ['-e', 'console.log("out"); console.error("err")'],
      restart: 'never',
      logs: { stdout: file, stderr: file },
    })
    await sup.start('both')
    await sup.waitFor('both', 'exited', { timeoutMs: 10_000 })
    await sup.flushLogs('both')
    expect(readFileSync(file, 'utf8').split('\n').sort()).toEqual(['', 'err', 'out'])
  })

  it('an unwritable log file is reported as agent:error, the agent keeps running', async () => {
    sup = new Supervisor({ cgroupParent: null })
    sup.add(nodeSpec('nolog', 'forever.js', [], { logs: { stdout: join(tmp.dir, 'missing', 'x.log') } }))
    const error = new Promise<{ id: string; error: Error }>((r) => sup.once('agent:error', r))
    await sup.start('nolog')
    const e = await error
    expect(e.error).toBeInstanceOf(LogWriteError)
    expect(e.error.message).toContain(join(tmp.dir, 'missing', 'x.log'))
    expect(sup.get('nolog')).toMatchObject({ status: 'running', lastError: { code: 'ERR_CORE_LOG_WRITE' } })
  })

  it('a destination that keeps failing is reported once, then summarized; recovery resets it', async () => {
    // The log's directory is replaced by a plain file: every write (or rotation) fails with ENOTDIR.
    const dir = join(tmp.dir, 'logdir')
    const out = join(dir, 'out.log')
    writeFileSync(dir, 'not a directory')
    sup = new Supervisor({ cgroupParent: null })
    const errors: LogWriteError[] = []
    const next = (): Promise<LogWriteError> =>
      new Promise((resolve) => {
        const on = (e: AgentErrorEvent): void => {
          sup.off('agent:error', on)
          resolve(e.error as LogWriteError)
        }
        sup.on('agent:error', on)
      })
    sup.on('agent:error', (e) => errors.push(e.error as LogWriteError))
    sup.add(
      nodeSpec('chatty', 'chatter.js', [], {
        // No periodic summary during the test: only recovery may report what was counted.
        logs: { stdout: out, maxBytes: 512, backups: 1, errorReportIntervalMs: 2 ** 31 - 1 },
      }),
    )
    const first = next()
    await sup.start('chatty')
    expect(await first).toMatchObject({ code: 'ERR_CORE_LOG_WRITE', path: out })
    await until(() => sup.get('chatty')!.droppedLogLines >= 50, 20_000, '50 failed lines')
    // Dozens of failed batches so far, one report.
    expect(errors).toHaveLength(1)
    expect(errors[0]!.suppressed).toBe(0)

    const summary = next()
    rmSync(dir)
    mkdirSync(dir)
    const s = await summary
    expect(s).toBeInstanceOf(LogWriteError)
    expect(s.suppressed).toBeGreaterThanOrEqual(1)
    expect(s.message).toContain(`(${s.suppressed} more failure(s) since the last report)`)
    await until(() => existsSync(out), 10_000, 'the log file')

    // Recovered: the next failure is reported at once again.
    const again = next()
    rmSync(dir, { recursive: true })
    writeFileSync(dir, 'not a directory')
    expect(await again).toMatchObject({ path: out, suppressed: 0 })
    expect(sup.get('chatty')!.status).toBe('running')
  })

  it('while a destination keeps failing, one summary per errorReportIntervalMs carries the count', async () => {
    const dir = join(tmp.dir, 'logdir')
    writeFileSync(dir, 'not a directory')
    sup = new Supervisor({ cgroupParent: null })
    const errors: LogWriteError[] = []
    const summary = new Promise<LogWriteError>((resolve) =>
      sup.on('agent:error', (e) => {
        errors.push(e.error as LogWriteError)
        if ((e.error as LogWriteError).suppressed > 0) resolve(e.error as LogWriteError)
      }),
    )
    sup.add(
      nodeSpec('chatty', 'chatter.js', [], {
        logs: { stdout: join(dir, 'x.log'), errorReportIntervalMs: 50 },
      }),
    )
    await sup.start('chatty')
    const s = await summary
    expect(s.suppressed).toBeGreaterThanOrEqual(1)
    expect(errors[0]!.suppressed).toBe(0)
    expect(errors.slice(1).every((e) => e.suppressed > 0)).toBe(true)
  })
})
