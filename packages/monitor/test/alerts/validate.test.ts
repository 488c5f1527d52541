import { describe, expect, it } from 'vitest'
import { validateThreshold } from '../../src/alerts/validate.js'
import { InvalidThresholdError } from '../../src/errors.js'

function rejects(input: unknown, field: string, message: RegExp, agentId?: string): void {
  let caught: unknown
  try {
    validateThreshold(input, agentId)
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(InvalidThresholdError)
  const e = caught as InvalidThresholdError
  expect(e.code).toBe('ERR_MONITOR_INVALID_THRESHOLD')
  expect(e.field).toBe(field)
  expect(e.agentId).toBe(agentId)
  expect(e.message).toMatch(message)
}

describe('validateThreshold', () => {
  it('accepts a full threshold and returns a frozen copy without undefined keys', () => {
    const input = {
      cpuPercent: 150,
      memoryBytes: 1e9,
      openFiles: 100,
      threads: 0,
      durationMs: 0,
      repeatMs: 1,
      action: 'restart' as const,
      // an explicit undefined is the same as leaving the key out
      ...({ repeatMs: undefined } as object),
    }
    const t = validateThreshold(input)
    expect(t).toEqual({
      cpuPercent: 150,
      memoryBytes: 1e9,
      openFiles: 100,
      threads: 0,
      durationMs: 0,
      action: 'restart',
    })
    expect(Object.isFrozen(t)).toBe(true)
    expect(t).not.toBe(input)
  })

  it('rejects negative, NaN, infinite and non-number lines, naming the key and the value', () => {
    rejects(
      { cpuPercent: -5, durationMs: 1 },
      'cpuPercent',
      /Expected `cpuPercent` .* non-negative finite number, got -5 \(number\)/,
    )
    rejects({ memoryBytes: Number.NaN, durationMs: 1 }, 'memoryBytes', /got NaN \(number\)/)
    rejects({ openFiles: Number.POSITIVE_INFINITY, durationMs: 1 }, 'openFiles', /got Infinity/)
    rejects({ threads: '4', durationMs: 1 }, 'threads', /got "4" \(string\)/, 'web')
  })

  it('requires durationMs', () => {
    rejects({ cpuPercent: 50 }, 'durationMs', /`durationMs` .* required.*got undefined/)
    rejects({ cpuPercent: 50, durationMs: -1 }, 'durationMs', /got -1 \(number\)/)
  })

  it('rejects repeatMs <= 0', () => {
    rejects({ cpuPercent: 50, durationMs: 1, repeatMs: 0 }, 'repeatMs', /positive.*got 0 \(number\)/)
    rejects({ cpuPercent: 50, durationMs: 1, repeatMs: -10 }, 'repeatMs', /got -10/)
  })

  it("rejects an action other than 'restart'", () => {
    rejects({ cpuPercent: 50, durationMs: 1, action: 'kill' }, 'action', /'restart'.*got "kill" \(string\)/)
  })

  it('rejects unknown keys (typos would silently watch nothing)', () => {
    rejects({ cpu: 50, durationMs: 1 }, 'cpu', /Unknown key `cpu`.*cpuPercent/)
    rejects({ memoryRss: 50, durationMs: 1 }, 'memoryRss', /Unknown key/)
  })

  it('rejects a threshold that watches nothing and non-objects', () => {
    rejects({ durationMs: 1 }, 'threshold', /watches nothing/)
    rejects(null, 'threshold', /to be an object, got null/)
    rejects([1], 'threshold', /got an array/, 'x')
    rejects(5, 'threshold', /got 5 \(number\)/)
  })
})
