import { describe, MAX_TIMER_MS } from '@warden/utils'
import { validateThreshold } from './alerts/validate.js'
import { InvalidOptionError, SupervisorRequiredError } from './errors.js'
import type { ResourceMonitorOptions } from './options.js'

const KEYS = new Set([
  'registry',
  'store',
  'intervalMs',
  'includeChildren',
  'backend',
  'defaultThreshold',
  'supervisor',
  'historySize',
  'sampler',
  'clock',
])
const CLOCK_KEYS = ['now', 'monotonic']
const BACKENDS = new Set(['auto', 'procfs', 'pidusage'])

function fail(option: string, value: unknown, expected: string): never {
  throw new InvalidOptionError({
    option,
    value,
    message: `Expected \`${option}\` to be ${expected}, got ${describe(value)}`,
  })
}

const hasMethod = (v: unknown, name: string): boolean =>
  typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>)[name] === 'function'

/** `get` and a way to append: `appendMany`, else `appendResourceData` (and no non-function `appendMany`). */
const isStore = (v: unknown): boolean =>
  hasMethod(v, 'get') &&
  (hasMethod(v, 'appendMany') ||
    (hasMethod(v, 'appendResourceData') && (v as Record<string, unknown>).appendMany === undefined))

const isPositiveInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0

/** Throws `InvalidOptionError` / `InvalidThresholdError` / `SupervisorRequiredError` on bad options. */
export function validateOptions(options: unknown): asserts options is ResourceMonitorOptions {
  if (typeof options !== 'object' || options === null) fail('options', options, 'an object')
  const o = options as Record<string, unknown>
  for (const key of Object.keys(o)) {
    if (!KEYS.has(key) && o[key] !== undefined) {
      throw new InvalidOptionError({
        option: key,
        value: o[key],
        message: `Unknown option \`${key}\`; expected one of ${[...KEYS].join(', ')}`,
      })
    }
  }
  if (!hasMethod(o.registry, 'list'))
    fail('registry', o.registry, 'an AgentRegistry or an object with list()')
  if (o.store !== undefined && !isStore(o.store)) {
    fail('store', o.store, 'a FileMetadataStore (get() and appendMany() or appendResourceData())')
  }
  // setInterval turns longer delays into 1 ms.
  if (o.intervalMs !== undefined && !(isPositiveInt(o.intervalMs) && o.intervalMs <= MAX_TIMER_MS)) {
    fail('intervalMs', o.intervalMs, `a positive integer ≤ ${MAX_TIMER_MS}`)
  }
  if (o.includeChildren !== undefined && typeof o.includeChildren !== 'boolean') {
    fail('includeChildren', o.includeChildren, 'a boolean')
  }
  if (o.backend !== undefined && !BACKENDS.has(o.backend as string)) {
    fail('backend', o.backend, "'auto', 'procfs' or 'pidusage'")
  }
  if (o.supervisor !== undefined && !hasMethod(o.supervisor, 'restart')) {
    fail('supervisor', o.supervisor, 'a Supervisor (an object with restart(id))')
  }
  if (o.historySize !== undefined && !isPositiveInt(o.historySize)) {
    fail('historySize', o.historySize, 'a positive integer')
  }
  if (o.sampler !== undefined && !hasMethod(o.sampler, 'sampleAll')) {
    fail('sampler', o.sampler, 'a Sampler (an object with sampleAll())')
  }
  if (o.clock !== undefined) validateClock(o.clock)
  if (o.defaultThreshold !== undefined) {
    const t = validateThreshold(o.defaultThreshold)
    if (t.action === 'restart' && o.supervisor === undefined) throw new SupervisorRequiredError()
  }
}

function validateClock(clock: unknown): void {
  if (typeof clock === 'function') return
  if (typeof clock !== 'object' || clock === null || Array.isArray(clock)) {
    fail('clock', clock, 'a function returning ms or an object { now, monotonic }')
  }
  const c = clock as Record<string, unknown>
  for (const key of Object.keys(c)) {
    if (!CLOCK_KEYS.includes(key) && c[key] !== undefined) {
      throw new InvalidOptionError({
        option: `clock.${key}`,
        value: c[key],
        message: `Unknown key \`${key}\` in \`clock\`; expected one of ${CLOCK_KEYS.join(', ')}`,
      })
    }
  }
  for (const key of CLOCK_KEYS) {
    if (c[key] !== undefined && typeof c[key] !== 'function')
      fail(`clock.${key}`, c[key], 'a function returning ms')
  }
}
