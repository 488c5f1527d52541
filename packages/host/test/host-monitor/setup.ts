import { type CollectorResult, HostMonitor, type HostMonitorOptions } from '../../src/index.js'
import { APPS, ONE_GPU } from '../gpu/recorded.js'
import { fakeCommand } from '../helpers/fake-command.js'
import type { TempDirs } from '../helpers/temp.js'
import { MANAGER, SHOW_UNITS } from '../systemd/recorded.js'
import { fakeSysfs, intelLaptop } from '../temperature/fake-sysfs.js'

/**
 * Options where every collector works here: real /proc and statfs of /, a fake Intel sysfs tree,
 * a fake nvidia-smi and a fake systemctl on the collectors' PATH (the test process's PATH is untouched).
 */
export function fullOptions(temp: TempDirs, overrides: HostMonitorOptions = {}) {
  const bin = temp.make()
  const smi = fakeCommand(bin, 'nvidia-smi', [
    { match: '--query-gpu', stdout: ONE_GPU },
    { match: '--query-compute-apps', stdout: APPS },
  ])
  const systemctl = fakeCommand(bin, 'systemctl', [
    { match: 'show -p Id,', stdout: SHOW_UNITS },
    { match: 'show -p Version', stdout: MANAGER },
  ])
  const laptop = intelLaptop()
  const sysfsRoot = fakeSysfs(temp.make(), laptop.hwmons, laptop.zones)
  const path = `${bin}:/usr/bin:/bin`
  const options: HostMonitorOptions = {
    disks: { mountPoints: ['/'] },
    temperature: { sysfsRoot },
    gpu: { path },
    systemd: { path, units: ['nginx.service', 'nosuch.service'] },
    ...overrides,
  }
  return { options, bin, smi, systemctl }
}

/** Monitors of one test file, stopped by `stopAll()`. */
export class Monitors {
  readonly #all: HostMonitor[] = []

  make(options: HostMonitorOptions = {}): HostMonitor {
    const m = new HostMonitor(options)
    this.#all.push(m)
    return m
  }

  async stopAll(): Promise<void> {
    for (const m of this.#all.splice(0)) await m.stop()
  }
}

/** The data of a result that must be ok. */
export function dataOf<T>(result: CollectorResult<T> | undefined): T {
  if (result === undefined || !result.ok)
    throw new Error(`expected an ok result, got ${JSON.stringify(result)}`)
  return result.data
}
