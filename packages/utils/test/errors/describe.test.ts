import { expect, describe as group, it } from 'vitest'
import {
  describe,
  durationMs,
  errnoCode,
  InvalidOptionError,
  MAX_TIMER_MS,
  messageOf,
} from '../../src/index.js'

group('describe', () => {
  it('shows primitives with their type, strings quoted and cut, objects by kind — never [object Object]', () => {
    expect(describe(-5)).toBe('-5 (number)')
    expect(describe(true)).toBe('true (boolean)')
    expect(describe(10n)).toBe('10 (bigint)')
    expect(describe(undefined)).toBe('undefined (undefined)')
    expect(describe(null)).toBe('null')
    expect(describe('x')).toBe('"x" (string)')
    expect(describe('y'.repeat(1000))).toBe(`"${'y'.repeat(60)}…" (string)`)
    expect(describe([1])).toBe('an array')
    expect(describe({ toString: () => 'nope' })).toBe('an object')
    expect(describe(Object.create(null))).toBe('an object')
    expect(describe(() => 1)).toBe('a function')
    expect(describe(Symbol('s'))).toBe('a symbol')
  })

  it('messageOf and errnoCode', () => {
    expect(messageOf(new Error('m'))).toBe('m')
    expect(messageOf(5)).toBe('5')
    expect(errnoCode(Object.assign(new Error('e'), { code: 'ENOENT' }))).toBe('ENOENT')
    expect(errnoCode(new Error('e'))).toBeUndefined()
    expect(errnoCode(null)).toBeUndefined()
  })
})

group('durationMs', () => {
  it('accepts integers from min to 2³¹−1 and names the option otherwise', () => {
    expect(durationMs('t', 0)).toBe(0)
    expect(durationMs('t', MAX_TIMER_MS)).toBe(2 ** 31 - 1)
    for (const bad of [-1, 1.5, MAX_TIMER_MS + 1, Number.NaN, Number.POSITIVE_INFINITY, '5', null]) {
      expect(() => durationMs('a.timeoutMs', bad)).toThrow(InvalidOptionError)
      expect(() => durationMs('a.timeoutMs', bad)).toThrow('`a.timeoutMs`')
    }
    expect(() => durationMs('t', 5, 10)).toThrow('from 10 to')
  })

  it('InvalidOptionError: expected, unknown key and message forms', () => {
    const unknown = new InvalidOptionError({
      option: 'history.maxSise',
      value: 1,
      unknownIn: 'the history options',
      known: ['maxSize', 'tiers'],
    })
    expect(unknown.message).toBe(
      'Unknown key `maxSise` in the history options; expected one of maxSize, tiers',
    )
    expect(unknown).toMatchObject({ code: 'ERR_WARDEN_INVALID_OPTION', option: 'history.maxSise', value: 1 })
    expect(new InvalidOptionError({ option: 'o', value: 1, message: 'custom' }).message).toBe('custom')
  })
})
