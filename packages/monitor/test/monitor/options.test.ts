import { describe, expect, it } from 'vitest'
import {
  InvalidOptionError,
  InvalidThresholdError,
  ResourceMonitor,
  type ResourceMonitorOptions,
  SupervisorRequiredError,
} from '../../src/index.js'

const registry = { list: () => [] }

function throws(options: unknown, type: new (...a: never[]) => Error, message: RegExp): Error {
  let caught: unknown
  try {
    new ResourceMonitor(options as ResourceMonitorOptions)
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(type)
  expect((caught as Error).message).toMatch(message)
  return caught as Error
}

describe('ResourceMonitor options', () => {
  it('has the documented defaults and does not poll before start()', () => {
    const m = new ResourceMonitor({ registry })
    expect(m.intervalMs).toBe(60_000)
    expect(m.includeChildren).toBe(false)
    expect(m.backend).toBe('auto')
    expect(m.running).toBe(false)
    expect(m.getThreshold('x')).toBeUndefined()
  })

  it('names the option, the expectation and the value', () => {
    const e = throws(
      { registry, intervalMs: -5 },
      InvalidOptionError,
      /^Expected `intervalMs` to be a positive integer ≤ 2147483647, got -5 \(number\)$/,
    )
    expect(e).toMatchObject({ code: 'ERR_WARDEN_INVALID_OPTION', option: 'intervalMs', value: -5 })
    throws({ registry, intervalMs: 1.5 }, InvalidOptionError, /got 1.5/)
    throws({ registry, intervalMs: 2 ** 31 }, InvalidOptionError, /got 2147483648/)
    throws(
      {},
      InvalidOptionError,
      /`registry` to be an AgentRegistry or an object with list\(\), got undefined/,
    )
    throws({ registry, backend: 'ps' }, InvalidOptionError, /`backend`.*got "ps" \(string\)/)
    throws({ registry, includeChildren: 'yes' }, InvalidOptionError, /`includeChildren` to be a boolean/)
    throws({ registry, store: {} }, InvalidOptionError, /`store` to be a FileMetadataStore/)
    throws(
      { registry, store: { get() {} } },
      InvalidOptionError,
      /get\(\) and appendMany\(\) or appendResourceData\(\)/,
    )
    throws(
      { registry, store: { get() {}, appendResourceData() {}, appendMany: true } },
      InvalidOptionError,
      /`store`/,
    )
    throws({ registry, supervisor: {} }, InvalidOptionError, /`supervisor`/)
    throws({ registry, interval: 5 }, InvalidOptionError, /Unknown option `interval`/)
    throws(null, InvalidOptionError, /`options` to be an object, got null/)
  })

  it('store: get() with appendMany() (one call per tick) or appendResourceData() (one per point)', () => {
    const get = () => undefined
    const appendMany = async () => ({ appended: 0, failed: [] })
    const appendResourceData = async () => {}
    for (const store of [
      { get, appendMany },
      { get, appendResourceData },
      { get, appendMany, appendResourceData },
    ]) {
      expect(new ResourceMonitor({ registry, store })).toBeInstanceOf(ResourceMonitor)
    }
  })

  it('clock: a function, or { now, monotonic } with functions and no other key', () => {
    expect(new ResourceMonitor({ registry, clock: () => 1 })).toBeInstanceOf(ResourceMonitor)
    expect(new ResourceMonitor({ registry, clock: { now: () => 1, monotonic: () => 1 } })).toBeInstanceOf(
      ResourceMonitor,
    )
    expect(new ResourceMonitor({ registry, clock: { monotonic: () => 1 } })).toBeInstanceOf(ResourceMonitor)
    throws(
      { registry, clock: 5 },
      InvalidOptionError,
      /`clock` to be a function returning ms or an object \{ now, monotonic \}, got 5/,
    )
    const e = throws(
      { registry, clock: { now: () => 1, mono: () => 1 } },
      InvalidOptionError,
      /^Unknown key `mono` in `clock`; expected one of now, monotonic$/,
    )
    expect(e).toMatchObject({ code: 'ERR_WARDEN_INVALID_OPTION', option: 'clock.mono' })
    throws(
      { registry, clock: { now: 1 } },
      InvalidOptionError,
      /`clock.now` to be a function returning ms, got 1 \(number\)/,
    )
  })

  it('validates defaultThreshold', () => {
    const e = throws({ registry, defaultThreshold: { cpuPercent: 50 } }, InvalidThresholdError, /durationMs/)
    expect(e).toMatchObject({
      code: 'ERR_MONITOR_INVALID_THRESHOLD',
      field: 'durationMs',
      agentId: undefined,
    })
  })

  it("action 'restart' needs a supervisor, in defaultThreshold and in setThreshold", () => {
    const e = throws(
      { registry, defaultThreshold: { memoryBytes: 1e9, durationMs: 0, action: 'restart' } },
      SupervisorRequiredError,
      /`defaultThreshold` has action 'restart' but the monitor has no `supervisor`/,
    )
    expect((e as SupervisorRequiredError).code).toBe('ERR_MONITOR_SUPERVISOR_REQUIRED')
    const m = new ResourceMonitor({ registry })
    expect(() => m.setThreshold('web', { memoryBytes: 1, durationMs: 0, action: 'restart' })).toThrow(
      /agent "web" has action 'restart'/,
    )
    expect(m.getThreshold('web')).toBeUndefined()
    const withSupervisor = new ResourceMonitor({ registry, supervisor: { restart: async () => {} } })
    withSupervisor.setThreshold('web', { memoryBytes: 1, durationMs: 0, action: 'restart' })
    expect(withSupervisor.getThreshold('web')).toEqual({ memoryBytes: 1, durationMs: 0, action: 'restart' })
  })

  it('per-agent thresholds override the default; null disables it; undefined restores it', () => {
    const m = new ResourceMonitor({ registry, defaultThreshold: { cpuPercent: 90, durationMs: 1000 } })
    expect(m.getThreshold('a')).toEqual({ cpuPercent: 90, durationMs: 1000 })
    m.setThreshold('a', { threads: 10, durationMs: 0 })
    expect(m.getThreshold('a')).toEqual({ threads: 10, durationMs: 0 })
    m.setThreshold('a', null)
    expect(m.getThreshold('a')).toBeUndefined()
    m.setThreshold('a', undefined)
    expect(m.getThreshold('a')).toEqual({ cpuPercent: 90, durationMs: 1000 })
    expect(() => m.setThreshold('a', { cpuPercent: -1, durationMs: 0 })).toThrow(InvalidThresholdError)
  })
})
