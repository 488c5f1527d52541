import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { captureUncaught } from '../../../../test/helpers/uncaught.js'
import type {
  HostMonitorOptions,
  HostThreshold,
  HostThresholdAlert,
  HostThresholdResolved,
} from '../../src/index.js'
import { TempDirs } from '../helpers/temp.js'
import { Monitors } from '../host-monitor/setup.js'

const T0 = 1_700_000_000_000
const temp = new TempDirs()
const monitors = new Monitors()
afterEach(async () => {
  await monitors.stopAll()
  temp.removeAll()
})

/**
 * A monitor over real /proc and statfs of `/`, with a temperature file the test writes
 * (millidegrees), on a hand-driven clock; every threshold event is recorded.
 */
function setup(threshold: HostThreshold, overrides: HostMonitorOptions = {}) {
  const sensor = join(temp.make(), 'temp1_input')
  const setCelsius = (c: number | string) =>
    writeFileSync(sensor, typeof c === 'number' ? `${c * 1000}\n` : c)
  setCelsius(40)
  let now = T0
  const host = monitors.make({
    gpu: 'off',
    systemd: false,
    disks: { mountPoints: ['/'] },
    temperature: { sysfsPath: sensor },
    clock: () => now,
    threshold,
    ...overrides,
  })
  const events: (HostThresholdAlert | HostThresholdResolved)[] = []
  host.on('threshold:warning', (a) => events.push(a))
  host.on('threshold:error', (a) => events.push(a))
  host.on('threshold:resolved', (r) => events.push(r))
  /** One real tick at T0 + ms; returns the events it emitted as `subject resource level`. */
  const tick = async (ms: number) => {
    now = T0 + ms
    const from = events.length
    await host.collectOnce()
    return events.slice(from).map((e) => `${e.subject} ${e.resource} ${e.level}`)
  }
  return { host, events, tick, setCelsius }
}

describe('HostMonitor threshold alerts', () => {
  it('warns on the first tick over the line, errors after durationMs, reminds every repeatMs, resolves as recovered', async () => {
    const { host, events, tick, setCelsius } = setup({ temperatureC: 80, durationMs: 1000, repeatMs: 500 })
    expect(await tick(0)).toEqual([])
    setCelsius(90)
    expect(await tick(100)).toEqual(['host temperatureC warning'])
    expect(events[0]).toEqual({
      subject: 'host',
      resource: 'temperatureC',
      level: 'warning',
      value: 90,
      threshold: 80,
      since: T0 + 100,
      exceededForMs: 0,
      durationMs: 1000,
      at: T0 + 100,
      repeat: 0,
      restart: false,
    })
    expect(host.openAlerts()).toEqual([
      {
        subject: 'host',
        resource: 'temperatureC',
        level: 'warning',
        threshold: 80,
        since: T0 + 100,
        durationMs: 1000,
        repeat: 0,
      },
    ])
    expect(await tick(1099)).toEqual([])
    expect(await tick(1100)).toEqual(['host temperatureC error'])
    expect(events.at(-1)).toMatchObject({ value: 90, exceededForMs: 1000, repeat: 0, at: T0 + 1100 })
    expect(await tick(1600)).toEqual(['host temperatureC error'])
    expect(events.at(-1)).toMatchObject({ repeat: 1, exceededForMs: 1500 })
    expect(host.openAlerts('host')).toMatchObject([{ level: 'error', repeat: 1 }])
    setCelsius(80) // at the line is not over it
    expect(await tick(1700)).toEqual(['host temperatureC resolved'])
    expect(events.at(-1)).toEqual({
      subject: 'host',
      resource: 'temperatureC',
      level: 'resolved',
      value: 80,
      threshold: 80,
      since: T0 + 100,
      exceededForMs: 1600,
      durationMs: 1000,
      at: T0 + 1700,
      reason: 'recovered',
      fired: true,
    })
    expect(host.openAlerts()).toEqual([])
  })

  it('reads memory from /proc/meminfo and each watched mount by its statfs, as separate subjects', async () => {
    // Any running host uses more than 0 % of its memory and of its root filesystem.
    const { host, events, tick } = setup({
      memoryUsedPercent: 0,
      'disk:/': 0,
      'disk:/not-a-watched-mount': 0,
      load1: 1e9,
      durationMs: 0,
    })
    expect(await tick(0)).toEqual([
      'host memoryUsedPercent warning',
      'host memoryUsedPercent error',
      'disk:/ diskUsedPercent warning',
      'disk:/ diskUsedPercent error',
    ])
    const memory = host.latest()!.memory!
    const disks = host.latest()!.disks!
    if (!memory.ok || !disks.ok) throw new Error('expected memory and disks readings')
    expect(events[0]).toMatchObject({ value: memory.data.usedPercent, threshold: 0, since: T0, at: T0 })
    expect(events[2]).toMatchObject({ subject: 'disk:/', value: disks.data.mounts[0]!.usedPercent })
    expect(host.openAlerts('disk:/')).toMatchObject([{ subject: 'disk:/', resource: 'diskUsedPercent' }])
    expect(host.openAlerts('disk:/not-a-watched-mount')).toEqual([])
  })

  it('the first cpu reading has no usage yet: a missing value opens nothing', async () => {
    const { host, tick } = setup({ cpuPercent: 0, durationMs: 0 }, { disks: false, temperature: false })
    expect(await tick(0)).toEqual([])
    expect(host.latest()!.cpu).toMatchObject({ ok: true, data: { usagePercent: null } })
    expect(host.openAlerts()).toEqual([])
  })

  it('a failing collector leaves its episodes open and their timers running', async () => {
    const { host, tick, setCelsius } = setup({ temperatureC: 80, durationMs: 1000 })
    setCelsius(95)
    expect(await tick(0)).toEqual(['host temperatureC warning'])
    setCelsius('garbage\n')
    expect(await tick(600)).toEqual([])
    expect(host.latest()!.temperature!.ok).toBe(false)
    expect(host.openAlerts()).toMatchObject([{ resource: 'temperatureC', level: 'warning', since: T0 }])
    setCelsius(95)
    expect(await tick(1000)).toEqual(['host temperatureC error'])
  })

  it('setThreshold ends open episodes as cleared and judges the next tick by the new lines', async () => {
    const { host, events, tick, setCelsius } = setup({ temperatureC: 80, durationMs: 0 })
    setCelsius(90)
    expect(await tick(0)).toEqual(['host temperatureC warning', 'host temperatureC error'])
    host.setThreshold({ temperatureC: 100, durationMs: 5000 })
    expect(events.at(-1)).toMatchObject({ level: 'resolved', reason: 'cleared', value: null, fired: true })
    expect(host.getThreshold()).toEqual({ temperatureC: 100, durationMs: 5000 })
    expect(Object.isFrozen(host.getThreshold())).toBe(true)
    expect(await tick(100)).toEqual([])
    host.setThreshold(null)
    expect(host.getThreshold()).toBeUndefined()
    setCelsius(200)
    expect(await tick(200)).toEqual([])
  })

  it('emits threshold events after `sample`; a throwing listener is re-raised and costs nothing', async () => {
    const { host, setCelsius } = setup({ temperatureC: 80, durationMs: 0 })
    setCelsius(90)
    const order: string[] = []
    host.on('sample', () => order.push('sample'))
    host.on('threshold:warning', () => {
      order.push('warning')
      throw new Error('listener bug')
    })
    host.on('threshold:error', () => order.push('error'))
    const uncaught = await captureUncaught(() => host.collectOnce())
    expect(order).toEqual(['sample', 'warning', 'error'])
    expect(uncaught.map((e) => (e as Error).message)).toEqual(['listener bug'])
    expect(host.openAlerts()).toMatchObject([{ level: 'error' }])
  })
})
