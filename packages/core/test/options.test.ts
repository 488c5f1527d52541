import { describe, expect, it } from 'vitest'
import { type AgentSpec, InvalidAgentIdError, InvalidOptionError, Supervisor } from '../src/index.js'
import { resolveSpec } from '../src/options.js'

const MAX = 2 ** 31 - 1
const spec = (extra: Record<string, unknown>): AgentSpec => ({ id: 'a', command: 'x', ...extra }) as AgentSpec

describe('spec validation', () => {
  it('fills the documented defaults', () => {
    const s = resolveSpec({ id: 'a', command: 'node' })
    expect(s).toMatchObject({
      args: [],
      restart: 'on-failure',
      backoff: { initialMs: 1000, factor: 2, maxMs: 60_000 },
      startLimit: { burst: 5, intervalMs: 60_000 },
      minUptimeMs: 10_000,
      stopSignal: 'SIGTERM',
      stopTimeoutMs: 10_000,
      killTree: true,
      logs: undefined,
    })
    expect(resolveSpec({ id: 'a', command: 'x', logs: {} }).logs).toMatchObject({
      maxBytes: 10 * 1024 * 1024,
      backups: 5,
      events: false,
    })
  })

  it.each([
    [{ id: 'a b', command: 'x' }, InvalidAgentIdError, 'Expected agent `id` to be 1..128 characters'],
    [{ id: '..', command: 'x' }, InvalidAgentIdError, 'got ".." (string)'],
    [{ id: 'x'.repeat(129), command: 'x' }, InvalidAgentIdError, 'string'],
    [
      { id: 'a' },
      InvalidOptionError,
      'Expected `command` to be a non-empty string, got undefined (undefined)',
    ],
    [
      { id: 'a', command: '' },
      InvalidOptionError,
      'Expected `command` to be a non-empty string, got "" (string)',
    ],
    [
      { id: 'a', command: 'x', stopTimeoutMs: -5 },
      InvalidOptionError,
      'Expected `stopTimeoutMs` to be an integer from 0 to 2147483647 (ms), got -5 (number)',
    ],
    [
      { id: 'a', command: 'x', args: ['ok', 3] },
      InvalidOptionError,
      'Expected `args[1]` to be a string, got 3 (number)',
    ],
    [
      { id: 'a', command: 'x', restart: 'sometimes' },
      InvalidOptionError,
      '`restart` to be "always", "on-failure" or "never"',
    ],
    [
      { id: 'a', command: 'x', backoff: { factor: 0.5 } },
      InvalidOptionError,
      '`backoff.factor` to be a number >= 1',
    ],
    [
      { id: 'a', command: 'x', backoff: { initialMs: 500, maxMs: 100 } },
      InvalidOptionError,
      '`backoff.maxMs`',
    ],
    [
      { id: 'a', command: 'x', startLimit: { burst: 0 } },
      InvalidOptionError,
      '`startLimit.burst` to be a positive integer',
    ],
    [
      { id: 'a', command: 'x', stopSignal: 'SIGNOPE' },
      InvalidOptionError,
      '`stopSignal` to be a signal name',
    ],
    [{ id: 'a', command: 'x', env: { A: 1 } }, InvalidOptionError, '`env.A` to be a string, got 1 (number)'],
    [
      { id: 'a', command: 'x', logs: { maxBytes: 0 } },
      InvalidOptionError,
      '`logs.maxBytes` to be a positive integer',
    ],
    [{ id: 'a', command: 'x', logs: { events: 'yes' } }, InvalidOptionError, '`logs.events` to be a boolean'],
  ])('rejects %j', (spec, type, message) => {
    expect(() => resolveSpec(spec)).toThrow(type)
    expect(() => resolveSpec(spec)).toThrow(message)
  })

  it('validates through Supervisor.add and the constructor', () => {
    const sup = new Supervisor({ cgroupParent: null })
    expect(() => sup.add({ id: 'bad/id', command: 'x' })).toThrow(InvalidAgentIdError)
    sup.add({ id: 'ok', command: 'x' })
    expect(() => sup.add({ id: 'ok', command: 'x' })).toThrow('Agent "ok" already exists')
    expect(() => new Supervisor({ cgroupParent: null, adoptPollIntervalMs: 0 })).toThrow(
      'Expected `adoptPollIntervalMs` to be an integer from 1 to 2147483647 (ms), got 0 (number)',
    )
  })
})

describe('durations are bounded by what a Node timer holds (2³¹−1 ms)', () => {
  const cases: Array<[string, (ms: number) => unknown]> = [
    ['backoff.initialMs', (ms) => resolveSpec(spec({ backoff: { initialMs: ms, maxMs: MAX } }))],
    ['backoff.maxMs', (ms) => resolveSpec(spec({ backoff: { maxMs: ms } }))],
    ['startLimit.intervalMs', (ms) => resolveSpec(spec({ startLimit: { intervalMs: ms } }))],
    ['minUptimeMs', (ms) => resolveSpec(spec({ minUptimeMs: ms }))],
    ['stopTimeoutMs', (ms) => resolveSpec(spec({ stopTimeoutMs: ms }))],
    ['logs.errorReportIntervalMs', (ms) => resolveSpec(spec({ logs: { errorReportIntervalMs: ms } }))],
    ['adoptPollIntervalMs', (ms) => new Supervisor({ cgroupParent: null, adoptPollIntervalMs: ms })],
    ['killTimeoutMs', (ms) => new Supervisor({ cgroupParent: null, killTimeoutMs: ms })],
    [
      'timeoutMs',
      (ms) => {
        const sup = new Supervisor({ cgroupParent: null })
        sup.add({ id: 's', command: 'x' })
        return sup.stop('s', { timeoutMs: ms })
      },
    ],
    [
      'timeoutMs',
      (ms) => {
        const sup = new Supervisor({ cgroupParent: null })
        sup.add({ id: 'w', command: 'x' })
        return sup.waitFor('w', 'stopped', { timeoutMs: ms })
      },
    ],
  ]
  it.each(cases)('%s: 2³¹ ms is refused naming the option, 2³¹−1 accepted', async (option, make) => {
    const call = async () => make(2 ** 31)
    await expect(call()).rejects.toThrow(InvalidOptionError)
    await expect(call()).rejects.toThrow(`Expected \`${option}\` to be an integer from`)
    await expect(call()).rejects.toMatchObject({ option, value: 2 ** 31 })
    await expect((async () => make(MAX))()).resolves.toBeDefined()
  })
})

describe('unknown keys are errors everywhere', () => {
  const every =
    'id, type, command, args, cwd, env, restart, backoff, startLimit, minUptimeMs, stopSignal, stopTimeoutMs, killTree, logs, labels'
  it.each([
    [
      spec({ stopTimeout: 5 }),
      'stopTimeout',
      `Unknown key \`stopTimeout\` in the agent spec; expected one of ${every}`,
    ],
    [
      spec({ backoff: { initalMs: 5 } }),
      'backoff.initalMs',
      'Unknown key `initalMs` in `backoff`; expected one of initialMs, maxMs, factor',
    ],
    [
      spec({ startLimit: { bursts: 1 } }),
      'startLimit.bursts',
      'Unknown key `bursts` in `startLimit`; expected one of burst, intervalMs',
    ],
    [
      spec({ logs: { stdOut: '/x' } }),
      'logs.stdOut',
      'Unknown key `stdOut` in `logs`; expected one of stdout, stderr,',
    ],
  ])('spec %j', (bad, option, message) => {
    expect(() => resolveSpec(bad)).toThrow(message)
    expect(() => resolveSpec(bad)).toThrow(
      expect.objectContaining({ code: 'ERR_WARDEN_INVALID_OPTION', option }),
    )
  })

  it('in the Supervisor, adopt, stop and waitFor options', async () => {
    expect(() => new Supervisor({ cgroupParent: null, killTimeout: 5 } as never)).toThrow(
      'Unknown key `killTimeout` in the Supervisor options; expected one of store, registry, adoptPollIntervalMs, killTimeoutMs',
    )
    const sup = new Supervisor({ cgroupParent: null })
    expect(() => sup.adopt({ id: 'x', pid: 5, startTick: 1 } as never)).toThrow(
      'Unknown key `startTick` in the adopt options',
    )
    expect(() => sup.adopt({ id: 'x', pid: 5, spec: { id: 'y' } } as never)).toThrow(
      'Unknown key `id` in `spec`',
    )
    sup.add({ id: 's', command: 'x' })
    await expect(sup.stop('s', { timeout: 1 } as never)).rejects.toThrow(
      'Unknown key `timeout` in the stop options',
    )
    await expect(sup.waitFor('s', 'stopped', { timeout: 1 } as never)).rejects.toThrow(
      'Unknown key `timeout` in the waitFor options',
    )
    await expect(sup.waitFor('s', 'runing' as never)).rejects.toThrow(
      'Expected `status` to be one of stopped',
    )
  })
})

describe('environment', () => {
  it.each([
    [{ 'A=B': 'x' }, 'got "A=B" (string)'],
    [{ 'A\0B': 'x' }, 'got "A\\u0000B" (string)'],
    [{ '': 'x' }, 'got "" (string)'],
    [{ A: 'x\0y' }, 'Expected `env.A` to be a string without NUL characters'],
  ])('rejects env %j', (env, message) => {
    expect(() => resolveSpec(spec({ env }))).toThrow(InvalidOptionError)
    expect(() => resolveSpec(spec({ env }))).toThrow(message)
  })

  it('rejects NUL in command, args and cwd (the OS would cut the string there)', () => {
    expect(() => resolveSpec(spec({ command: 'a\0b' }))).toThrow('`command` to be a string without NUL')
    expect(() => resolveSpec(spec({ args: ['ok', 'a\0b'] }))).toThrow('`args[1]` to be a string without NUL')
    expect(() => resolveSpec(spec({ cwd: '/tmp\0x' }))).toThrow('`cwd` to be a string without NUL')
  })

  it('passes a valid env through to the process', async () => {
    const sup = new Supervisor({ cgroupParent: null })
    const lines: string[] = []
    sup.on('agent:log', (e) => lines.push(e.line))
    sup.add({
      id: 'env',
      command: process.execPath,
      args: ['-e', 'console.log(process.env.WARDEN_TEST_A + "|" + (process.env.HOME === undefined))'],
      env: { WARDEN_TEST_A: 'a=b c', HOME: undefined },
      restart: 'never',
      logs: { events: true },
    })
    await sup.start('env')
    await sup.waitFor('env', 'exited', { timeoutMs: 10_000 })
    await sup.flushLogs('env')
    expect(lines).toEqual(['a=b c|true'])
    await sup.shutdown()
  })
})
