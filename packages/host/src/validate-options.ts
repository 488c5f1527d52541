import { isAbsolute } from 'node:path'
import { describe, MAX_TIMER_MS } from '@warden/utils'
import { validateHostThreshold } from './alerts/threshold.js'
import { InvalidOptionError } from './errors.js'
import { HostHistory } from './history/host-history.js'
import type { HostMonitorOptions } from './options.js'

const TIMEOUT = ['timeoutMs']
const KEYS: Record<string, readonly string[]> = {
  '': [
    'intervalMs',
    'cpu',
    'memory',
    'disks',
    'temperature',
    'gpu',
    'systemd',
    'evaluate',
    'threshold',
    'clock',
    'history',
  ],
  cpu: TIMEOUT,
  memory: TIMEOUT,
  disks: [...TIMEOUT, 'mountPoints', 'statfsTimeoutMs'],
  temperature: [...TIMEOUT, 'sysfsRoot', 'sysfsPath', 'chip', 'label', 'minScore'],
  gpu: [...TIMEOUT, 'mode', 'path', 'commandTimeoutMs'],
  systemd: [...TIMEOUT, 'units', 'path', 'commandTimeoutMs'],
}
/** systemd unit names: no leading dash, so a name can never be read as a systemctl option. */
const UNIT_NAME = /^[\w:.@\\-]+$/

function fail(option: string, value: unknown, expected: string): never {
  throw new InvalidOptionError({
    option,
    value,
    message: `Expected \`${option}\` to be ${expected}, got ${describe(value)}`,
  })
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

function checkKeys(scope: string, o: Record<string, unknown>): void {
  const allowed = KEYS[scope]!
  for (const key of Object.keys(o)) {
    if (allowed.includes(key) || o[key] === undefined) continue
    const option = scope === '' ? key : `${scope}.${key}`
    throw new InvalidOptionError({
      option,
      value: o[key],
      message: `Unknown option \`${option}\`; expected one of ${allowed.join(', ')}`,
    })
  }
}

/** A duration a Node timer can hold: setTimeout turns longer delays into 1 ms. */
function duration(option: string, value: unknown): void {
  if (value === undefined) return
  if (!(Number.isSafeInteger(value) && (value as number) > 0 && (value as number) <= MAX_TIMER_MS)) {
    fail(option, value, `a positive integer ≤ ${MAX_TIMER_MS} (ms)`)
  }
}

function absolutePath(option: string, value: unknown): void {
  if (value !== undefined && !(typeof value === 'string' && isAbsolute(value)))
    fail(option, value, 'an absolute path')
}

function nonEmptyString(option: string, value: unknown): void {
  if (value !== undefined && !(typeof value === 'string' && value !== ''))
    fail(option, value, 'a non-empty string')
}

/** A collector's option: a boolean, or an object of its keys. Returns the object, if one was given. */
function collector(name: string, value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || typeof value === 'boolean') return undefined
  if (!isObject(value)) fail(name, value, 'a boolean or an object')
  checkKeys(name, value)
  duration(`${name}.timeoutMs`, value.timeoutMs)
  return value
}

/** Throws `InvalidOptionError` naming the first bad or unknown option. */
export function validateOptions(options: unknown): asserts options is HostMonitorOptions {
  if (options === undefined) return
  if (!isObject(options)) fail('options', options, 'an object')
  checkKeys('', options)
  duration('intervalMs', options.intervalMs)
  if (options.evaluate !== undefined && typeof options.evaluate !== 'function') {
    fail('evaluate', options.evaluate, 'a function')
  }
  const clock = options.clock
  if (clock !== undefined && typeof clock !== 'function') {
    if (!isObject(clock)) fail('clock', clock, 'a function or an object of `now` and `monotonic`')
    for (const key of Object.keys(clock)) {
      if (key !== 'now' && key !== 'monotonic')
        throw new InvalidOptionError({
          option: `clock.${key}`,
          value: clock[key],
          message: `Unknown option \`clock.${key}\`; expected one of now, monotonic`,
        })
      if (clock[key] !== undefined && typeof clock[key] !== 'function')
        fail(`clock.${key}`, clock[key], 'a function')
    }
  }
  if (options.threshold !== undefined) {
    // The collectors alerts read (cpu, memory, disks, temperature) are off only when `false`.
    validateHostThreshold(options.threshold, 'threshold', (c) => options[c] !== false)
  }
  if (options.history !== undefined && !(options.history instanceof HostHistory)) {
    fail('history', options.history, 'a HostHistory')
  }
  collector('cpu', options.cpu)
  collector('memory', options.memory)

  const disks = collector('disks', options.disks)
  if (disks !== undefined) {
    duration('disks.statfsTimeoutMs', disks.statfsTimeoutMs)
    const mounts = disks.mountPoints
    if (
      mounts !== undefined &&
      !(Array.isArray(mounts) && mounts.every((m) => typeof m === 'string' && isAbsolute(m)))
    ) {
      fail('disks.mountPoints', mounts, 'an array of absolute paths')
    }
  }

  const temperature = collector('temperature', options.temperature)
  if (temperature !== undefined) {
    absolutePath('temperature.sysfsRoot', temperature.sysfsRoot)
    absolutePath('temperature.sysfsPath', temperature.sysfsPath)
    nonEmptyString('temperature.chip', temperature.chip)
    nonEmptyString('temperature.label', temperature.label)
    const min = temperature.minScore
    if (min !== undefined && !(typeof min === 'number' && Number.isFinite(min))) {
      fail('temperature.minScore', min, 'a finite number')
    }
  }

  const gpu = options.gpu
  if (gpu !== undefined && gpu !== 'auto' && gpu !== 'off') {
    if (!isObject(gpu)) fail('gpu', gpu, "'auto', 'off' or an object")
    const g = collector('gpu', gpu)!
    if (g.mode !== undefined && g.mode !== 'auto' && g.mode !== 'off')
      fail('gpu.mode', g.mode, "'auto' or 'off'")
    nonEmptyString('gpu.path', g.path)
    duration('gpu.commandTimeoutMs', g.commandTimeoutMs)
  }

  const systemd = collector('systemd', options.systemd)
  if (systemd !== undefined) {
    const units = systemd.units
    if (
      units !== undefined &&
      !(
        Array.isArray(units) &&
        units.every((u) => typeof u === 'string' && UNIT_NAME.test(u) && !u.startsWith('-'))
      )
    ) {
      fail(
        'systemd.units',
        units,
        'an array of unit names (letters, digits, ":", "_", ".", "@", "\\", "-"; no leading "-")',
      )
    }
    nonEmptyString('systemd.path', systemd.path)
    duration('systemd.commandTimeoutMs', systemd.commandTimeoutMs)
  }
}
