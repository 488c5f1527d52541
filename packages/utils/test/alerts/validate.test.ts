import { describe, expect, it } from 'vitest'
import { checkThreshold, type ThresholdRules } from '../../src/alerts/validate.js'
import { MAX_TIMER_MS } from '../../src/validate/duration.js'

class Bad extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message)
  }
}

const rules = (action = false): ThresholdRules => ({
  isResource: (key) => key === 'load' || key.startsWith('disk:/'),
  resourceNames: ['load', 'disk:<mount>'],
  action,
  where: 'threshold',
  fail: (field, _value, message) => {
    throw new Bad(field, message)
  },
})

function rejects(input: unknown, field: string, message: RegExp, action = false): void {
  let caught: unknown
  try {
    checkThreshold(input, rules(action))
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(Bad)
  expect((caught as Bad).field).toBe(field)
  expect((caught as Bad).message).toMatch(message)
}

describe('checkThreshold', () => {
  it('returns a frozen copy without undefined keys; resources are whatever isResource accepts', () => {
    const input = { load: 2, 'disk:/': 90, durationMs: 0, repeatMs: undefined }
    const t = checkThreshold(input, rules())
    expect(t).toEqual({ load: 2, 'disk:/': 90, durationMs: 0 })
    expect(Object.isFrozen(t)).toBe(true)
  })

  it('names the unknown key and every accepted one; action only where allowed', () => {
    rejects(
      { lod: 2, durationMs: 1 },
      'lod',
      /Unknown key `lod` in the threshold; expected one of load, disk:<mount>, durationMs, repeatMs$/,
    )
    rejects({ load: 2, durationMs: 1, action: 'restart' }, 'action', /Unknown key `action`/)
    expect(checkThreshold({ load: 2, durationMs: 1, action: 'restart' }, rules(true))).toMatchObject({
      action: 'restart',
    })
    rejects({ load: 2, durationMs: 1, action: 'kill' }, 'action', /'restart' or undefined, got "kill"/, true)
  })

  it('rejects bad lines, a missing or too long durationMs, and a bad repeatMs', () => {
    rejects(
      { 'disk:/': -1, durationMs: 1 },
      'disk:/',
      /Expected `disk:\/` of the threshold to be a non-negative finite number, got -1 \(number\)/,
    )
    rejects({ load: 1 }, 'durationMs', /required/)
    rejects({ load: 1, durationMs: MAX_TIMER_MS + 1 }, 'durationMs', /at most 2147483647/)
    expect(checkThreshold({ load: 1, durationMs: MAX_TIMER_MS }, rules())).toMatchObject({
      durationMs: MAX_TIMER_MS,
    })
    rejects({ load: 1, durationMs: 1, repeatMs: 0 }, 'repeatMs', /positive/)
    rejects({ load: 1, durationMs: 1, repeatMs: MAX_TIMER_MS + 1 }, 'repeatMs', /at most/)
  })

  it('rejects a threshold that watches nothing, and non-objects', () => {
    rejects({ durationMs: 1 }, 'threshold', /watches nothing: set at least one of load, disk:<mount>/)
    rejects([], 'threshold', /to be an object, got an array/)
    rejects(null, 'threshold', /got null/)
  })
})
