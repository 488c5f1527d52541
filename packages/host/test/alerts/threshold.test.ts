import { afterEach, describe, expect, it } from 'vitest'
import { HostMonitor, InvalidOptionError } from '../../src/index.js'
import { Monitors } from '../host-monitor/setup.js'

const monitors = new Monitors()
afterEach(() => monitors.stopAll())

function rejects(make: () => unknown, option: string, message: RegExp): void {
  let caught: unknown
  try {
    make()
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(InvalidOptionError)
  expect((caught as InvalidOptionError).option).toBe(option)
  expect((caught as InvalidOptionError).message).toMatch(message)
}

const off = { gpu: 'off', systemd: false } as const

describe('the host threshold', () => {
  it('accepts every documented resource and disk:<mount> keys, and keeps a frozen copy', () => {
    const threshold = {
      cpuPercent: 95,
      load1: 16,
      memoryUsedPercent: 90,
      swapUsedBytes: 1e9,
      psiCpuSome10: 20,
      psiMemorySome10: 10,
      psiIoSome10: 30,
      temperatureC: 85,
      'disk:/': 90,
      'disk:/var/lib': 95,
      durationMs: 60_000,
      repeatMs: 2 ** 31 - 1,
    }
    const host = monitors.make({ ...off, threshold })
    expect(host.getThreshold()).toEqual(threshold)
    expect(host.getThreshold()).not.toBe(threshold)
    expect(Object.isFrozen(host.getThreshold())).toBe(true)
  })

  it('rejects unknown keys, bad lines and durations, naming the option', () => {
    rejects(
      () => new HostMonitor({ ...off, threshold: { cpu: 90, durationMs: 0 } as never }),
      'threshold.cpu',
      /Unknown key `cpu` in the `threshold` option; expected one of cpuPercent, .*temperatureC, disk:<mount point>, durationMs, repeatMs$/,
    )
    rejects(
      () => new HostMonitor({ ...off, threshold: { 'disk:relative': 90, durationMs: 0 } as never }),
      'threshold.disk:relative',
      /Unknown key/,
    )
    rejects(
      () => new HostMonitor({ ...off, threshold: { load1: -1, durationMs: 0 } }),
      'threshold.load1',
      /Expected `load1` of the `threshold` option to be a non-negative finite number, got -1 \(number\)/,
    )
    rejects(
      () => new HostMonitor({ ...off, threshold: { load1: 1, durationMs: 2 ** 31 } }),
      'threshold.durationMs',
      /at most 2147483647.*got 2147483648/,
    )
    rejects(
      () => new HostMonitor({ ...off, threshold: { load1: 1 } as never }),
      'threshold.durationMs',
      /required/,
    )
    rejects(
      () => new HostMonitor({ ...off, threshold: { load1: 1, durationMs: 1, repeatMs: 0 } }),
      'threshold.repeatMs',
      /positive/,
    )
    rejects(
      () => new HostMonitor({ ...off, threshold: { load1: 1, durationMs: 1, action: 'restart' } as never }),
      'threshold.action',
      /Unknown key `action`/,
    )
    rejects(() => new HostMonitor({ ...off, threshold: { durationMs: 1 } }), 'threshold', /watches nothing/)
    rejects(() => new HostMonitor({ ...off, threshold: 5 as never }), 'threshold', /to be an object, got 5/)
  })

  it('rejects a line whose collector is off: it could never alert', () => {
    rejects(
      () => new HostMonitor({ ...off, temperature: false, threshold: { temperatureC: 80, durationMs: 0 } }),
      'threshold.temperatureC',
      /needs the temperature collector, which is off/,
    )
    rejects(
      () => new HostMonitor({ ...off, disks: false, threshold: { 'disk:/': 80, durationMs: 0 } }),
      'threshold.disk:/',
      /needs the disks collector/,
    )
    const host = monitors.make({ ...off, cpu: false })
    rejects(
      () => host.setThreshold({ psiIoSome10: 5, durationMs: 0 }),
      'threshold.psiIoSome10',
      /cpu collector/,
    )
    rejects(() => host.setThreshold({ load1: Number.NaN, durationMs: 0 }), 'threshold.load1', /got NaN/)
    expect(host.getThreshold()).toBeUndefined()
  })

  it('rejects a bad clock', () => {
    rejects(() => new HostMonitor({ ...off, clock: 5 as never }), 'clock', /a function or an object/)
    rejects(
      () => new HostMonitor({ ...off, clock: { wall: Date.now } as never }),
      'clock.wall',
      /Unknown option/,
    )
    rejects(() => new HostMonitor({ ...off, clock: { now: 1 } as never }), 'clock.now', /a function/)
  })
})
