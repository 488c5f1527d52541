import { truncateSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { closeWardensAfterEach, idle, startWarden, talker, until } from '../helpers.js'

closeWardensAfterEach()

const lineNo = (line: string): number => Number(line.slice('line '.length))
const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '')

describe('warden logs', () => {
  it('prints the last N lines, or one JSON object per line with --json', async () => {
    const w = await startWarden({ agents: (dir) => [talker('talker', join(dir, 'talker.log'))] })
    const tail = await until(
      async () => {
        const r = await w.cli(['logs', 'talker', '-n', '3'])
        return r.code === 0 && lines(r.stdout).length === 3 ? r : undefined
      },
      10_000,
      '3 lines',
    )
    const numbers = lines(tail.stdout).map(lineNo)
    expect(numbers).toEqual([numbers[0], numbers[0]! + 1, numbers[0]! + 2])

    const json = await w.cli(['logs', 'talker', '--lines', '2', '--stream', 'stdout', '--json'])
    expect(json.code).toBe(0)
    const objects = lines(json.stdout).map((l) => JSON.parse(l))
    expect(objects).toEqual([
      { agent: 'talker', stream: 'stdout', line: expect.stringMatching(/^line \d+$/) },
      { agent: 'talker', stream: 'stdout', line: expect.stringMatching(/^line \d+$/) },
    ])

    const stderr = await w.cli(['logs', 'talker', '--stream', 'stderr'])
    expect(stderr.code).toBe(1)
    expect(stderr.stderr).toContain('(ERR_SERVER_LOGS_NOT_CONFIGURED, HTTP 404)')
  })

  it('-f prints lines as they come, in order and none twice, until aborted (exit 0)', async () => {
    const w = await startWarden({ agents: (dir) => [talker('talker', join(dir, 'talker.log'))] })
    const abort = new AbortController()
    let seen = 0
    const run = w.cli(['logs', 'talker', '-f', '-n', '2'], {
      signal: abort.signal,
      onStdout: (text) => {
        seen = lines(text).length
      },
    })
    await until(() => seen >= 20, 10_000, '20 followed lines')
    abort.abort()
    const r = await run
    expect(r).toMatchObject({ code: 0, stderr: '' })
    const numbers = lines(r.stdout).map(lineNo)
    expect(numbers.length).toBeGreaterThanOrEqual(20)
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i))
  })

  it('-f --json: one JSON object per line; a truncated log is noted on stderr as a gap', async () => {
    // A 64 KiB line first: the truncated file cannot grow back past the read position before the next read.
    const script =
      'console.log("x".repeat(65536)); let n = 0; setInterval(() => console.log("line " + ++n), 20)'
    const w = await startWarden({
      agents: (dir) => [idle('talker', { args: ['-e', script], logs: { stdout: join(dir, 'talker.log') } })],
    })
    const file = join(w.dir, 'talker.log')
    const abort = new AbortController()
    let seen = 0
    const run = w.cli(['logs', 'talker', '--follow', '--json', '-n', '1'], {
      signal: abort.signal,
      onStdout: (text) => {
        seen = lines(text).length
      },
    })
    await until(() => seen >= 10, 10_000, '10 followed lines')
    truncateSync(file, 0)
    const before = seen
    await until(() => seen >= before + 3, 10_000, 'lines after the truncation')
    abort.abort()
    const r = await run
    expect(r.code).toBe(0)
    for (const line of lines(r.stdout)) {
      expect(JSON.parse(line)).toEqual({ agent: 'talker', stream: 'stdout', line: expect.any(String) })
    }
    expect(r.stderr).toBe(
      'warden: lines may be missing here: the log was truncated or rotated faster than it was read\n',
    )
  })

  it('-f ends with 1 when the daemon ends the stream with a reason, with 3 when it goes away', async () => {
    const w = await startWarden({
      agents: (dir) => [talker('talker', join(dir, 'talker.log')), talker('other', join(dir, 'other.log'))],
    })
    let seen = 0
    const removed = w.cli(['logs', 'talker', '-f'], {
      onStdout: (text) => {
        seen = lines(text).length
      },
    })
    await until(() => seen >= 3, 10_000, 'followed lines')
    await w.supervisor.remove('talker')
    const r = await removed
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(
      'warden: the daemon ended the log stream: agent-removed (ERR_CORE_AGENT_NOT_FOUND)\n',
    )

    seen = 0
    const closed = w.cli(['logs', 'other', '-f'], {
      onStdout: (text) => {
        seen = lines(text).length
      },
    })
    await until(() => seen >= 3, 10_000, 'followed lines')
    await w.app.close()
    const gone = await closed
    expect(gone.code).toBe(3)
    expect(gone.stderr).toContain(`warden: no daemon answers at ${w.url} (it closed the log stream)`)
  })

  it('an agent without a log file is 1 with the server code', async () => {
    const w = await startWarden({ agents: () => [idle('quiet')] })
    const r = await w.cli(['logs', 'quiet', '-f'])
    expect(r).toMatchObject({ code: 1, stdout: '' })
    expect(r.stderr).toContain('(ERR_SERVER_LOGS_NOT_CONFIGURED, HTTP 404)')
  })
})
