import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'

/** One hwmon device as the kernel lays it out: attributes under /sys/devices/…/hwmonN, linked from /sys/class/hwmon. */
export interface FakeHwmon {
  /** hwmonN: the number the kernel gave it (module load order). */
  readonly n: number
  /** Its directory under /sys/devices, e.g. `devices/platform/coretemp.0/hwmon/hwmon4` (use {N} for the number). */
  readonly dir: string
  /** Where its `device` link points (relative to the sysfs root), if it has one. */
  readonly device?: string
  readonly name: string
  /** tempN → [label or null, millidegrees]. */
  readonly temps: Record<number, readonly [string | null, string]>
}

export interface FakeZone {
  readonly n: number
  readonly type: string
  readonly temp: string
}

/** Writes a fake sysfs tree under `root` from real layouts; returns `root`. */
export function fakeSysfs(
  root: string,
  hwmons: readonly FakeHwmon[],
  zones: readonly FakeZone[] = [],
): string {
  for (const h of hwmons) {
    const dir = join(root, h.dir.replace('{N}', String(h.n)))
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'name'), `${h.name}\n`)
    for (const [n, [label, value]] of Object.entries(h.temps)) {
      writeFileSync(join(dir, `temp${n}_input`), `${value}\n`)
      if (label !== null) writeFileSync(join(dir, `temp${n}_label`), `${label}\n`)
    }
    if (h.device !== undefined) {
      mkdirSync(join(root, h.device), { recursive: true })
      symlinkSync(relative(dir, join(root, h.device)), join(dir, 'device'))
    }
    const classDir = join(root, 'class', 'hwmon')
    mkdirSync(classDir, { recursive: true })
    symlinkSync(relative(classDir, dir), join(classDir, `hwmon${h.n}`))
  }
  for (const z of zones) {
    const dir = join(root, 'devices', 'virtual', 'thermal', `thermal_zone${z.n}`)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'type'), `${z.type}\n`)
    writeFileSync(join(dir, 'temp'), `${z.temp}\n`)
    const classDir = join(root, 'class', 'thermal')
    mkdirSync(classDir, { recursive: true })
    symlinkSync(relative(classDir, dir), join(classDir, `thermal_zone${z.n}`))
  }
  mkdirSync(dirname(join(root, 'x')), { recursive: true })
  return root
}

const nvme = (n: number): FakeHwmon => ({
  n,
  dir: 'devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/hwmon{N}',
  device: 'devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0',
  name: 'nvme',
  temps: { 1: ['Composite', '38850'], 2: ['Sensor 1', '38850'] },
})

/** A ThinkPad with an Intel CPU: acpitz, nvme, coretemp (package + cores), thinkpad; zones acpitz and x86_pkg_temp. */
export const intelLaptop = (numbers = [0, 1, 4, 5]): { hwmons: FakeHwmon[]; zones: FakeZone[] } => ({
  hwmons: [
    {
      n: numbers[0]!,
      dir: 'devices/virtual/thermal/thermal_zone0/hwmon{N}',
      device: 'devices/virtual/thermal/thermal_zone0',
      name: 'acpitz',
      temps: { 1: [null, '50000'] },
    },
    nvme(numbers[1]!),
    {
      n: numbers[2]!,
      dir: 'devices/platform/coretemp.0/hwmon/hwmon{N}',
      device: 'devices/platform/coretemp.0',
      name: 'coretemp',
      temps: { 1: ['Package id 0', '62000'], 2: ['Core 0', '60000'], 3: ['Core 1', '61000'] },
    },
    {
      n: numbers[3]!,
      dir: 'devices/platform/thinkpad_hwmon/hwmon/hwmon{N}',
      device: 'devices/platform/thinkpad_hwmon',
      name: 'thinkpad',
      temps: { 1: [null, '62000'], 2: [null, '0'] },
    },
  ],
  zones: [
    { n: 0, type: 'acpitz', temp: '50000' },
    { n: 1, type: 'x86_pkg_temp', temp: '63000' },
  ],
})

/** A Threadripper 1950X: k10temp's Tctl runs 27 °C above Tdie (a fan-control offset); amdgpu; nvme. */
export const amdThreadripper = (): FakeHwmon[] => [
  nvme(0),
  {
    n: 1,
    dir: 'devices/pci0000:00/0000:00:03.1/0000:0a:00.0/hwmon/hwmon{N}',
    device: 'devices/pci0000:00/0000:00:03.1/0000:0a:00.0',
    name: 'amdgpu',
    temps: { 1: ['edge', '40000'] },
  },
  {
    n: 2,
    dir: 'devices/pci0000:00/0000:00:18.3/hwmon/hwmon{N}',
    device: 'devices/pci0000:00/0000:00:18.3',
    name: 'k10temp',
    temps: { 1: ['Tctl', '72000'], 2: ['Tdie', '45000'], 3: ['Tccd1', '44000'], 4: ['Tccd2', '46250'] },
  },
]

/** A Ryzen whose k10temp prints only Tctl (no offset on this model). */
export const amdTctlOnly = (): FakeHwmon[] => [
  {
    n: 0,
    dir: 'devices/pci0000:00/0000:00:18.3/hwmon/hwmon{N}',
    device: 'devices/pci0000:00/0000:00:18.3',
    name: 'k10temp',
    temps: { 1: ['Tctl', '51375'] },
  },
]

/** A Raspberry Pi 4: cpu_thermal (registered by the thermal zone, no label) and rpi_volt (no temperature). */
export const raspberryPi = (): { hwmons: FakeHwmon[]; zones: FakeZone[] } => ({
  hwmons: [
    {
      n: 0,
      dir: 'devices/virtual/thermal/thermal_zone0/hwmon{N}',
      device: 'devices/virtual/thermal/thermal_zone0',
      name: 'cpu_thermal',
      temps: { 1: [null, '48312'] },
    },
    {
      n: 1,
      dir: 'devices/platform/soc/soc:firmware/raspberrypi-hwmon/hwmon/hwmon{N}',
      name: 'rpi_volt',
      temps: {},
    },
  ],
  zones: [{ n: 0, type: 'cpu-thermal', temp: '48312' }],
})

export { nvme }
