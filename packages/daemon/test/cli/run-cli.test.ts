import { writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  CONTROL_TOKEN,
  cli,
  closeWardensAfterEach,
  deadUrl,
  idle,
  READ_TOKEN,
  startWarden,
} from './helpers.js'

closeWardensAfterEach()

describe('usage', () => {
  it('help, --help and -h print the usage on stdout with 0; no command prints it on stderr with 2', async () => {
    for (const argv of [['help'], ['--help'], ['-h'], ['status', '--help']]) {
      const r = await cli(argv)
      expect(r).toMatchObject({ code: 0, stderr: '' })
      expect(r.stdout).toContain('Usage: warden <command>')
      expect(r.stdout).toContain('warden run --config warden.yaml')
    }
    const none = await cli([])
    expect(none).toMatchObject({ code: 2, stdout: '' })
    expect(none.stderr).toContain('Usage: warden <command>')
  })

  it.each([
    [['status', '--follow'], 'unknown option --follow for `warden status`'],
    [['logs', 'web', '--lines=5', '--tail'], 'unknown option --tail for `warden logs`'],
    [['restart', '-x', 'web'], 'unknown option -x for `warden restart`'],
    [['logs'], 'missing <id>: warden logs <id>'],
    [['restart'], 'missing <id>: warden restart <id>'],
    [['history'], 'missing <id>: warden history <id>'],
    [['stop', 'a', 'b'], 'unexpected argument "b"'],
    [['status', 'web'], 'unexpected argument "web"'],
    [['frobnicate'], 'unknown command `frobnicate`'],
    [['run', '--config', 'warden.yaml'], '`warden run` starts the daemon'],
    [['logs', '../etc'], 'expected an agent id of 1–128 characters'],
    [['logs', 'web', '-n', '0'], '--lines expects a whole number from 1 to 10000, got "0"'],
    [['logs', 'web', '--stream', 'stdin'], '--stream expects stdout or stderr, got "stdin"'],
    [['history', 'web', '--since', 'yesterday'], '--since expects epoch ms, or a duration'],
    [['history', 'web', '--interval', '0m'], '--interval expects a duration above 0'],
    [['history', 'web', '--until', '5 min'], '--until expects epoch ms'],
    [['history', 'web', '--until', '0m'], '--until expects epoch ms, or a duration above 0'],
    [['status', '--url', 'localhost:9477'], '--url expects an http:// or https:// URL'],
    [['status', '--url'], "Option '--url <value>' argument missing"],
    [['status', '--token', 'a', '--token-file', 'b'], 'give --token or --token-file, not both'],
    [['status', '--token', ''], '--token is empty'],
    [
      ['status', '--token', 'has spaces in it'],
      'the token from --token has characters a bearer token cannot have',
    ],
    [
      ['status', '--token-file', '/nonexistent/warden.token'],
      'cannot read --token-file /nonexistent/warden.token: ENOENT',
    ],
  ])('%j is a usage error (2): %s', async (argv, message) => {
    // A usage error is found before any request: the URL has nothing listening.
    const r = await cli(argv, { env: { WARDEN_URL: await deadUrl() } })
    expect(r).toMatchObject({ code: 2, stdout: '' })
    expect(r.stderr).toContain(`warden: ${message}`)
    expect(r.stderr).toContain('Run `warden help`')
  })

  it('never echoes a malformed token', async () => {
    const r = await cli(['status'], { env: { WARDEN_TOKEN: 'secret value!' } })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('the token from WARDEN_TOKEN has characters')
    expect(r.stderr).not.toContain('secret')
  })
})

describe('errors from the daemon', () => {
  it('no daemon at the URL: exit 3 with the URL, the reason and what to check', async () => {
    const url = await deadUrl()
    const r = await cli(['status'], { env: { WARDEN_URL: url } })
    expect(r).toMatchObject({ code: 3, stdout: '' })
    expect(r.stderr).toBe(
      `warden: no daemon answers at ${url} (connection refused) — is \`warden run\` running? (--url / WARDEN_URL)\n`,
    )
    const flag = await cli(['restart', 'web', '--url', `${url}/`, '--json'])
    expect(flag.code).toBe(3)
    expect(flag.stderr).toContain(`no daemon answers at ${url} (connection refused)`)
  })

  it('a wrong token is 4 "the token was refused"; no token is 4 with how to give one', async () => {
    const w = await startWarden()
    const wrong = await w.cli(['status'], { env: { WARDEN_TOKEN: 'wrong-token-0123456789abcdef' } })
    expect(wrong).toMatchObject({ code: 4, stdout: '' })
    expect(wrong.stderr).toBe(
      `warden: the token was refused by the daemon at ${w.url}: check WARDEN_TOKEN, --token-file or --token\n`,
    )
    const none = await w.cli(['logs', 'web'], { env: { WARDEN_TOKEN: undefined } })
    expect(none.code).toBe(4)
    expect(none.stderr).toContain(
      `the daemon at ${w.url} needs a token: set WARDEN_TOKEN, or pass --token-file`,
    )
  })

  it('a read token on start/stop/restart is 4 "read access only", and the agent is left alone', async () => {
    const w = await startWarden({ agents: () => [idle('web')] })
    const pid = w.supervisor.get('web')!.pid
    for (const action of ['start', 'stop', 'restart']) {
      const r = await w.cli([action, 'web'])
      expect(r).toMatchObject({ code: 4, stdout: '' })
      expect(r.stderr).toContain('warden: this token has read access only')
    }
    expect(w.supervisor.get('web')).toMatchObject({ status: 'running', pid })
  })

  it('an unknown agent is 1 with the server code and message', async () => {
    const w = await startWarden()
    const control = { env: { WARDEN_TOKEN: CONTROL_TOKEN } }
    for (const [argv, opts] of [
      [['logs', 'nope'], {}],
      [['history', 'nope'], {}],
      [['restart', 'nope'], control],
    ] as const) {
      const r = await w.cli(argv, opts)
      expect(r).toMatchObject({ code: 1, stdout: '' })
      expect(r.stderr).toBe('warden: Agent "nope" does not exist (ERR_SERVER_AGENT_NOT_FOUND, HTTP 404)\n')
    }
  })

  it('--token, --token-file and --url win over the environment; a token file may end in a newline', async () => {
    const w = await startWarden({ agents: () => [idle('web')] })
    const file = join(w.dir, 'token')
    writeFileSync(file, `${READ_TOKEN}\n`)
    const env = { WARDEN_URL: await deadUrl(), WARDEN_TOKEN: 'wrong-token-0123456789abcdef' }
    const fromFile = await w.cli(['status', '--url', w.url, '--token-file', file], { env })
    expect(fromFile.code).toBe(0)
    const fromFlag = await w.cli(['--token', READ_TOKEN, 'status', '--url', w.url], { env })
    expect(fromFlag.code).toBe(0)
  })

  it('something other than a Warden daemon at the URL is 1, saying what it answered', async () => {
    const other = createServer((req, res) => {
      if (req.url === '/v1/agents')
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>')
      else res.writeHead(502, { 'content-type': 'text/html' }).end('<html>bad gateway</html>')
    })
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(other.address() as { port: number }).port}`
      const html = await cli(['status'], { env: { WARDEN_URL: url } })
      expect(html).toMatchObject({ code: 1, stdout: '' })
      expect(html.stderr).toBe(
        `warden: the answer from ${url} is not JSON: is a Warden daemon listening there? (HTTP 200)\n`,
      )
      const gateway = await cli(['logs', 'web'], { env: { WARDEN_URL: url } })
      expect(gateway).toMatchObject({ code: 1, stderr: 'warden: Bad Gateway (HTTP 502)\n' })
    } finally {
      await new Promise((resolve) => other.close(resolve))
    }
  })

  it('an aborted signal interrupts the request: exit 130', async () => {
    const w = await startWarden()
    const r = await w.cli(['status'], { signal: AbortSignal.abort() })
    expect(r).toMatchObject({ code: 130, stdout: '', stderr: 'warden: interrupted\n' })
  })
})
