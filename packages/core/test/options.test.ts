import { describe, expect, it } from 'vitest'
import { InvalidAgentIdError, InvalidOptionError, Supervisor } from '../src/index.js'
import { resolveSpec } from '../src/options.js'

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
      'Expected `stopTimeoutMs` to be an integer >= 0, got -5 (number)',
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
    const sup = new Supervisor()
    expect(() => sup.add({ id: 'bad/id', command: 'x' })).toThrow(InvalidAgentIdError)
    sup.add({ id: 'ok', command: 'x' })
    expect(() => sup.add({ id: 'ok', command: 'x' })).toThrow('Agent "ok" already exists')
    expect(() => new Supervisor({ adoptPollIntervalMs: 0 })).toThrow(
      'Expected `adoptPollIntervalMs` to be a positive integer, got 0 (number)',
    )
  })
})
