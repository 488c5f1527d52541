import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig, parseConfig } from '../src/config/load.js'
import { parseDuration, parseSize, suggest } from '../src/config/units.js'
import { ConfigError } from '../src/errors.js'

const TOKEN = 'abcdefghijklmnopqrstuvwxyz012345'
const parse = (text: string, env: Record<string, string | undefined> = {}) =>
  parseConfig(text, { file: '/etc/warden/warden.yaml', env })
const issuesOf = (text: string, env: Record<string, string | undefined> = {}) => {
  try {
    parse(text, env)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as ConfigError).issues
  }
  throw new Error('expected a ConfigError')
}

describe('config: a valid file', () => {
  it('resolves paths, durations, sizes, thresholds, tokens and host options', () => {
    const config = parse(
      [
        'nodeId: srv-01',
        'listen: 0.0.0.0:9109',
        'dataDir: data',
        'interval: 30s',
        'tokens:',
        `  - { token: ${TOKEN}, access: read, name: grafana }`,
        'defaults:',
        '  thresholds: { cpuPercent: 90, durationMs: 5m }',
        'agents:',
        '  - id: web',
        '    command: node',
        '    args: [server.js, --port, "8080"]',
        '    cwd: app',
        '    stopTimeoutMs: 5s',
        '    backoff: { initialMs: 500ms, maxMs: 1m }',
        '    thresholds: { memoryBytes: 1.5GiB, durationMs: 2m, action: restart }',
        '  - id: worker',
        '    command: /usr/bin/worker',
        '    logs: false',
        '  - id: batch',
        '    command: batch',
        '    thresholds: null',
        'disks: [/, /var/lib]',
        'gpu: off',
        'systemd: [nginx.service]',
        'temperature: { chip: coretemp }',
        'hostThresholds: { cpuPercent: 95, "disk:/": 90, durationMs: 10m }',
      ].join('\n'),
      { WARDEN_TOKEN: 'zyxwvutsrqponmlkjihgfedcba543210' },
    )
    expect(config.nodeId).toBe('srv-01')
    expect(config.listen).toEqual({ host: '0.0.0.0', port: 9109 })
    expect(config.dataDir).toBe('/etc/warden/data')
    expect(config.intervalMs).toBe(30_000)
    expect(config.hostIntervalMs).toBe(30_000)
    expect(config.includeChildren).toBe(true)
    expect(config.tokens).toEqual([
      { token: TOKEN, access: 'read', name: 'grafana' },
      { token: 'zyxwvutsrqponmlkjihgfedcba543210', access: 'control', name: 'env' },
    ])
    const [web, worker, batch] = config.agents
    expect(web?.spec).toMatchObject({
      id: 'web',
      command: 'node',
      args: ['server.js', '--port', '8080'],
      cwd: '/etc/warden/app',
      stopTimeoutMs: 5000,
      backoff: { initialMs: 500, maxMs: 60_000 },
      logs: { stdout: '/etc/warden/data/logs/web.log', stderr: '/etc/warden/data/logs/web.err.log' },
    })
    expect(web?.threshold).toEqual({ memoryBytes: 1.5 * 1024 ** 3, durationMs: 120_000, action: 'restart' })
    expect(worker?.spec.logs).toBeUndefined()
    expect(worker?.threshold).toEqual({ cpuPercent: 90, durationMs: 300_000 })
    expect(batch?.threshold).toBeNull()
    expect(config.host).toEqual({
      disks: { mountPoints: ['/', '/var/lib'] },
      gpu: 'off',
      systemd: { units: ['nginx.service'] },
      temperature: { chip: 'coretemp' },
      threshold: { cpuPercent: 95, 'disk:/': 90, durationMs: 600_000 },
    })
  })

  it('takes dataDir from systemd (STATE_DIRECTORY) and listens on loopback by default', () => {
    const config = parse('agents: []', { STATE_DIRECTORY: '/var/lib/warden:/var/lib/other' })
    expect(config.dataDir).toBe('/var/lib/warden')
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 9477 })
    expect(config.tokens).toEqual([])
    expect(config.agents).toEqual([])
  })

  it('command-line overrides win over the file', () => {
    const config = parseConfig('dataDir: /a\nlisten: 1.2.3.4:5', {
      file: '/x/w.yaml',
      env: {},
      overrides: { dataDir: 'rel', listen: '[::1]:0' },
    })
    expect(config.dataDir).toBe('/x/rel')
    expect(config.listen).toEqual({ host: '::1', port: 0 })
  })
})

describe('config: errors name the key path, the problem and the line', () => {
  it('an unknown key, with a suggestion', () => {
    const issues = issuesOf(
      [
        'dataDir: /d',
        'agents:',
        '  - { id: a, command: x }',
        '  - { id: b, command: x }',
        '  - id: c',
        '    command: x',
        '    thresholds:',
        '      cpu: 90',
        '      durationMs: 1m',
      ].join('\n'),
    )
    expect(issues).toEqual([
      {
        path: 'agents[2].thresholds.cpu',
        line: 8,
        column: 7,
        message: 'unknown key; did you mean cpuPercent?',
      },
    ])
    const error = (() => {
      try {
        parse(
          'dataDir: /d\nagents:\n  - id: c\n    command: x\n    thresholds:\n      cpu: 90\n      durationMs: 1m',
        )
      } catch (e) {
        return e as ConfigError
      }
    })()
    expect(error?.code).toBe('ERR_DAEMON_CONFIG')
    expect(error?.message).toContain(
      '/etc/warden/warden.yaml:6:7: agents[0].thresholds.cpu: unknown key; did you mean cpuPercent?',
    )
  })

  it('an unknown key with nothing close lists what is known', () => {
    const [issue] = issuesOf('dataDir: /d\nfrobnicate: 1')
    expect(issue?.path).toBe('frobnicate')
    expect(issue?.line).toBe(2)
    expect(issue?.message).toMatch(/^unknown key; expected one of nodeId, listen, tokens, dataDir/)
  })

  it('typos inside objects that may also be false are found too', () => {
    expect(issuesOf('dataDir: /d\nagents:\n  - id: a\n    command: x\n    logs: { stdot: /tmp/x }')).toEqual([
      { path: 'agents[0].logs.stdot', line: 5, column: 13, message: 'unknown key; did you mean stdout?' },
    ])
    expect(issuesOf('dataDir: /d\ntemperature: { chp: x }')[0]?.message).toBe(
      'unknown key; did you mean chip?',
    )
  })

  it('every issue of a file at once, each with its line', () => {
    const issues = issuesOf(
      [
        'agents:',
        '  - id: "bad id"',
        '    command: x',
        '    restart: sometimes',
        '  - id: ok',
        '    stopTimeoutMs: 10 minutes',
        '    command: y',
        'listen: [1]',
      ].join('\n'),
    )
    expect(issues.map((i) => [i.path, i.line])).toEqual([
      ['listen', 8],
      ['agents[0].id', 2],
      ['agents[0].restart', 4],
      ['agents[1].stopTimeoutMs', 6],
    ])
    expect(issues[2]?.message).toBe(`expected 'always', 'on-failure' or 'never', got "sometimes"`)
    expect(issues[3]?.message).toMatch(
      /^expected a duration: ms as an integer, or a number with ms, s, m, h or d \(30s, 5m\), got "10 minutes"/,
    )
  })

  it('a missing required key is reported at its object', () => {
    expect(issuesOf('dataDir: /d\nagents:\n  - id: a\n    args: [x]')).toEqual([
      { path: 'agents[0].command', line: 3, column: 5, message: 'required key is missing' },
    ])
  })

  it('durations beyond what a Node timer holds are refused', () => {
    const [issue] = issuesOf('dataDir: /d\nagents:\n  - { id: a, command: x, stopTimeoutMs: 25d }')
    expect(issue?.path).toBe('agents[0].stopTimeoutMs')
    expect(issue?.message).toMatch(/at most|2147483647/)
  })

  it('what only the libraries know: a bad signal, a duplicate id, a threshold without a line', () => {
    const issues = issuesOf(
      [
        'dataDir: /d',
        'agents:',
        '  - { id: a, command: x, stopSignal: SIGNOPE }',
        '  - { id: b, command: x, thresholds: { durationMs: 1m } }',
        '  - { id: a, command: y }',
      ].join('\n'),
    )
    expect(issues.map((i) => [i.path, i.line])).toEqual([
      ['agents[0].stopSignal', 3],
      ['agents[1].thresholds', 4],
      ['agents[2].id', 5],
    ])
    expect(issues[2]?.message).toBe('duplicate id: agents[0] has it too')
  })

  it('YAML syntax errors and duplicate keys have their line', () => {
    const [syntax] = issuesOf('dataDir: /d\nagents: [\n')
    expect(syntax?.message).toMatch(/^not valid YAML/)
    expect(syntax?.line).toBeGreaterThanOrEqual(2)
    const [dup] = issuesOf('dataDir: /d\ninterval: 1s\ninterval: 2s')
    expect(dup?.message).toMatch(/^not valid YAML.*[Mm]ap keys must be unique/)
    expect(dup?.line).toBe(3)
  })

  it('a bad token is named but never echoed; a missing dataDir says how to give one', () => {
    let message = ''
    try {
      parse('dataDir: /d\ntokens:\n  - { token: short-secret, access: control }')
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).toContain('tokens[0].token')
    expect(message).not.toContain('short-secret')
    expect(issuesOf('agents: []')[0]?.message).toMatch(/StateDirectory|--data-dir/)
  })

  it('a file that cannot be read', async () => {
    await expect(loadConfig('/nonexistent/warden.yaml')).rejects.toMatchObject({
      code: 'ERR_DAEMON_CONFIG',
      message: expect.stringContaining('no such file'),
    })
  })
})

describe('config: tokens from files', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warden-config-'))
    await writeFile(join(dir, 'token'), `${TOKEN}\n`, { mode: 0o600 })
    await writeFile(join(dir, 'warden.yaml'), 'dataDir: d\ntokens:\n  - { file: token, access: control }\n')
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('reads a token file next to the config', async () => {
    const config = await loadConfig(join(dir, 'warden.yaml'), { env: {} })
    expect(config.tokens).toEqual([{ token: TOKEN, access: 'control', name: 'token-0' }])
    expect(config.dataDir).toBe(join(dir, 'd'))
  })
})

describe('config units', () => {
  it('durations', () => {
    expect(parseDuration('500ms')).toBe(500)
    expect(parseDuration('1.5s')).toBe(1500)
    expect(parseDuration('2h')).toBe(7_200_000)
    expect(parseDuration(250)).toBe(250)
    expect(parseDuration('24d')).toBe(24 * 86_400_000)
    expect(parseDuration('25d')).toMatch(/2147483647/)
    expect(parseDuration('5 parsecs')).toMatch(/expected a duration/)
    expect(parseDuration(0, { min: 1 })).toMatch(/from 1 ms/)
  })
  it('sizes', () => {
    expect(parseSize('512MiB')).toBe(512 * 1024 ** 2)
    expect(parseSize('1GB')).toBe(1e9)
    expect(parseSize('1.5 kib')).toBe(1536)
    expect(parseSize(4096)).toBe(4096)
    expect(parseSize('12 apples')).toMatch(/expected a size/)
  })
  it('suggestions', () => {
    expect(suggest('cpu', ['cpuPercent', 'memoryBytes'])).toBe('cpuPercent')
    expect(suggest('stopTimeout', ['stopTimeoutMs', 'stopSignal'])).toBe('stopTimeoutMs')
    expect(suggest('comand', ['command', 'cwd'])).toBe('command')
    expect(suggest('zzz', ['command', 'cwd'])).toBeUndefined()
  })
})

describe('config: host thresholds', () => {
  it('disk:/<mount> keys are lines; other unknown keys are typos', () => {
    expect(issuesOf('dataDir: /d\nhostThresholds: { cpuPrecent: 90, durationMs: 1m }')).toEqual([
      {
        path: 'hostThresholds.cpuPrecent',
        line: 2,
        column: 19,
        message: 'unknown key; did you mean cpuPercent?',
      },
    ])
    expect(issuesOf('dataDir: /d\nhostThresholds: { "disk:/": high, durationMs: 1m }')[0]?.path).toBe(
      'hostThresholds["disk:/"]',
    )
  })
})

describe('config: shutdownTimeout', () => {
  it('must outlast every agent stop (grace + SIGKILL wait), else agents could be left running', () => {
    const [issue] = issuesOf(
      'dataDir: /d\nshutdownTimeout: 20s\nagents:\n  - { id: a, command: x }\n  - { id: b, command: x, stopTimeoutMs: 30s }',
    )
    expect(issue).toMatchObject({ path: 'shutdownTimeout', line: 2 })
    expect(issue?.message).toMatch(/^expected more than 35000 ms: agents\[1\]/)
    expect(
      parse('dataDir: /d\nshutdownTimeout: 16s\nagents:\n  - { id: a, command: x }').shutdownTimeoutMs,
    ).toBe(16_000)
  })
})

describe('config: containment', () => {
  it("cgroupParent and the agents' containment and limits", () => {
    const config = parse(
      'dataDir: /d\ncgroupParent: /sys/fs/cgroup/warden.slice\nagents:\n  - { id: a, command: x, containment: cgroup, memoryMax: 512MiB, cpuMax: 0.5, pidsMax: 64 }',
    )
    expect(config.cgroupParent).toBe('/sys/fs/cgroup/warden.slice')
    expect(config.agents[0]?.spec).toMatchObject({
      containment: 'cgroup',
      memoryMax: 512 * 1024 ** 2,
      cpuMax: 0.5,
      pidsMax: 64,
    })
    expect(parse('dataDir: /d').cgroupParent).toBe('auto')
    expect(parse('dataDir: /d\ncgroupParent: false').cgroupParent).toBeNull()
  })
  it('a limit with process-group containment is refused, naming the key', () => {
    const [issue] = issuesOf(
      'dataDir: /d\nagents:\n  - { id: a, command: x, containment: process-group, memoryMax: 1GiB }',
    )
    expect(issue).toMatchObject({ path: 'agents[0].memoryMax', line: 3 })
    expect(issuesOf('dataDir: /d\ncgroupParent: relative')[0]?.path).toBe('cgroupParent')
  })
})
