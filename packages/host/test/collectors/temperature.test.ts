import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { TemperatureCollector, type TemperatureCollectorOptions } from '../../src/collectors/temperature.js'
import { CollectorUnavailableError, ParseError } from '../../src/index.js'
import { TempDirs } from '../helpers/temp.js'
import {
  amdTctlOnly,
  amdThreadripper,
  fakeSysfs,
  intelLaptop,
  nvme,
  raspberryPi,
} from '../temperature/fake-sysfs.js'

const temp = new TempDirs()
afterEach(() => temp.removeAll())

function read(sysfsRoot: string, options: Partial<TemperatureCollectorOptions> = {}) {
  const collector = new TemperatureCollector({ sysfsRoot, minScore: 80, ...options })
  try {
    return collector.collect()
  } finally {
    collector.close()
  }
}

describe('TemperatureCollector on fake sysfs trees of real machines', () => {
  it('Intel coretemp: the package sensor, keyed by driver and device path, not by hwmonN', () => {
    const laptop = intelLaptop()
    const t = read(fakeSysfs(temp.make(), laptop.hwmons, laptop.zones))
    expect(t.celsius).toBe(62)
    expect(t.sensor).toMatchObject({
      key: 'coretemp@/devices/platform/coretemp.0:Package id 0',
      source: 'hwmon',
      chip: 'coretemp',
      label: 'Package id 0',
      score: 100,
    })
    // Modules loaded in another order: other hwmonN, same key.
    const renumbered = intelLaptop([3, 0, 1, 2])
    expect(read(fakeSysfs(temp.make(), renumbered.hwmons, renumbered.zones)).sensor.key).toBe(t.sensor.key)
  })

  it('AMD k10temp: Tdie, not Tctl (which carries a +27 °C fan offset on a Threadripper 1950X)', () => {
    const t = read(fakeSysfs(temp.make(), amdThreadripper()))
    expect(t.celsius).toBe(45)
    expect(t.sensor.key).toBe('k10temp@/devices/pci0000:00/0000:00:18.3:Tdie')
  })

  it('AMD k10temp with only Tctl: Tctl', () => {
    const t = read(fakeSysfs(temp.make(), amdTctlOnly()))
    expect(t.celsius).toBe(51.375)
    expect(t.sensor.label).toBe('Tctl')
  })

  it('Raspberry Pi: cpu_thermal, millidegrees to °C', () => {
    const pi = raspberryPi()
    const t = read(fakeSysfs(temp.make(), pi.hwmons, pi.zones))
    expect(t.celsius).toBe(48.312)
    expect(t.sensor).toMatchObject({
      chip: 'cpu_thermal',
      source: 'hwmon',
      key: 'cpu_thermal@/devices/virtual/thermal/thermal_zone0:temp1',
    })
  })

  it('a machine with no sensor at all is unavailable, not an error', () => {
    expect(() => read(temp.make())).toThrow(CollectorUnavailableError)
  })

  it('a machine whose only sensors are not CPU-like (nvme) is unavailable, saying the best score', () => {
    expect(() => read(fakeSysfs(temp.make(), [nvme(0)]))).toThrow(/best: 10/)
  })

  it('thermal zones are the last resort: x86_pkg_temp when no hwmon sensor is CPU-like', () => {
    const laptop = intelLaptop()
    const t = read(fakeSysfs(temp.make(), [nvme(0)], laptop.zones))
    expect(t).toMatchObject({ celsius: 63, sensor: { source: 'thermal_zone', chip: 'x86_pkg_temp' } })
  })

  it('overrides: preferred chip, preferred label, minimum score and a sysfs path', () => {
    const laptop = intelLaptop()
    const root = fakeSysfs(temp.make(), laptop.hwmons, laptop.zones)
    expect(read(root, { chip: 'NVME' }).sensor.label).toBe('Composite')
    expect(read(root, { label: 'core 1' }).celsius).toBe(61)
    expect(read(root, { chip: 'coretemp', label: 'Core 0' }).celsius).toBe(60)
    expect(() => read(fakeSysfs(temp.make(), amdTctlOnly()), { minScore: 95 })).toThrow(
      CollectorUnavailableError,
    )
    const path = join(root, 'class', 'hwmon', 'hwmon5', 'temp1_input')
    expect(read(root, { sysfsPath: path })).toEqual({
      celsius: 62,
      sensor: { key: path, source: 'path', chip: null, label: null, path, score: null },
    })
  })

  it('re-reads the chosen sensor each collect and chooses again once it fails', () => {
    const laptop = intelLaptop()
    const root = fakeSysfs(temp.make(), laptop.hwmons, laptop.zones)
    const collector = new TemperatureCollector({ sysfsRoot: root, minScore: 80 })
    try {
      const dir = join(root, 'devices', 'platform', 'coretemp.0', 'hwmon', 'hwmon4')
      expect(collector.collect().celsius).toBe(62)
      writeFileSync(join(dir, 'temp1_input'), '71500\n')
      expect(collector.collect().celsius).toBe(71.5)
      // The module is unloaded (a regular file cannot fail a read like a removed sysfs attribute:
      // emptied, it fails to parse): the read fails once, then the next best sensor is chosen.
      writeFileSync(join(dir, 'temp1_input'), '')
      rmSync(dir, { recursive: true })
      mkdirSync(dir)
      expect(() => collector.collect()).toThrow(ParseError)
      expect(collector.collect().sensor.chip).toBe('x86_pkg_temp')
    } finally {
      collector.close()
    }
  })

  it('a value that is not a number is a ParseError', () => {
    const root = fakeSysfs(temp.make(), amdTctlOnly())
    writeFileSync(join(root, 'devices/pci0000:00/0000:00:18.3/hwmon/hwmon0/temp1_input'), 'garbage\n')
    expect(() => read(root)).toThrow(ParseError)
  })
})
