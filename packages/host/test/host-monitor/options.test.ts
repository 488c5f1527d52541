import { describe, expect, it } from 'vitest'
import { HostMonitor, InvalidOptionError } from '../../src/index.js'

function rejects(options: unknown): InvalidOptionError {
  try {
    new HostMonitor(options as never)
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError)
    return error as InvalidOptionError
  }
  throw new Error('expected InvalidOptionError')
}

describe('HostMonitor options', () => {
  it('rejects unknown keys, naming the key and the keys expected', () => {
    expect(rejects({ intervalMS: 5 })).toMatchObject({
      option: 'intervalMS',
      message: expect.stringMatching(/^Unknown option `intervalMS`; expected one of intervalMs, /),
    })
    expect(rejects({ disks: { mountpoints: ['/'] } }).option).toBe('disks.mountpoints')
    expect(rejects({ gpu: { timeout: 5 } }).option).toBe('gpu.timeout')
    expect(rejects({ temperature: { minscore: 1 } }).option).toBe('temperature.minscore')
  })

  it('bounds durations by what a Node timer holds (2³¹−1 ms)', () => {
    expect(rejects({ intervalMs: 2 ** 31 })).toMatchObject({
      option: 'intervalMs',
      message: 'Expected `intervalMs` to be a positive integer ≤ 2147483647 (ms), got 2147483648 (number)',
    })
    expect(rejects({ intervalMs: 0 }).option).toBe('intervalMs')
    expect(rejects({ cpu: { timeoutMs: 1.5 } }).option).toBe('cpu.timeoutMs')
    expect(rejects({ disks: { statfsTimeoutMs: -1 } }).option).toBe('disks.statfsTimeoutMs')
    expect(rejects({ gpu: { commandTimeoutMs: 2 ** 31 } }).option).toBe('gpu.commandTimeoutMs')
    expect(rejects({ systemd: { commandTimeoutMs: '5' } }).option).toBe('systemd.commandTimeoutMs')
    expect(() => new HostMonitor({ intervalMs: 2 ** 31 - 1, gpu: 'off', systemd: false })).not.toThrow()
  })

  it('checks each collector option', () => {
    expect(rejects({ cpu: 'yes' }).option).toBe('cpu')
    expect(rejects({ gpu: 'on' }).option).toBe('gpu')
    expect(rejects({ gpu: { mode: 'on' } }).option).toBe('gpu.mode')
    expect(rejects({ disks: { mountPoints: ['relative/path'] } }).option).toBe('disks.mountPoints')
    expect(rejects({ temperature: { sysfsRoot: 'sys' } }).option).toBe('temperature.sysfsRoot')
    expect(rejects({ temperature: { minScore: Number.NaN } }).option).toBe('temperature.minScore')
    expect(rejects({ temperature: { chip: '' } }).option).toBe('temperature.chip')
    expect(rejects({ systemd: { units: ['--all'] } }).option).toBe('systemd.units')
    expect(rejects({ systemd: { units: 'nginx.service' } }).option).toBe('systemd.units')
    expect(rejects({ evaluate: 1 }).option).toBe('evaluate')
    expect(rejects(null).option).toBe('options')
  })

  it('accepts the defaults and every documented form', () => {
    expect(new HostMonitor().intervalMs).toBe(10_000)
    const host = new HostMonitor({
      intervalMs: 1000,
      cpu: true,
      memory: { timeoutMs: 100 },
      disks: { mountPoints: ['/'], statfsTimeoutMs: 500 },
      temperature: { sysfsRoot: '/sys', chip: 'coretemp', label: 'Package', minScore: 50 },
      gpu: { mode: 'auto', path: '/usr/bin', commandTimeoutMs: 5000 },
      systemd: { units: ['nginx.service', 'getty@tty1.service'], timeoutMs: 1000 },
      evaluate: () => {},
    })
    expect(host.collectors).toEqual(['cpu', 'memory', 'disks', 'temperature', 'gpu', 'systemd'])
    expect(new HostMonitor({ cpu: false, gpu: 'off', systemd: false }).collectors).toEqual([
      'memory',
      'disks',
      'temperature',
    ])
  })
})
