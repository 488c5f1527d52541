import { describe } from '../errors/describe.js'
import { MAX_TIMER_MS } from '../validate/duration.js'
import type { ThresholdTiming } from './types.js'

export interface ThresholdRules {
  /** Whether `key` names a watched resource (a line). */
  readonly isResource: (key: string) => boolean
  /** The resources as messages list them, e.g. `cpuPercent, memoryBytes` or `…, disk:<mount>`. */
  readonly resourceNames: readonly string[]
  /** Whether the threshold may have `action: 'restart'`. @default false */
  readonly action?: boolean
  /** Names the threshold in messages, e.g. `threshold of agent "web"`. */
  readonly where: string
  /** Throws the package's error; `field` is the offending key, `threshold` for the whole value. */
  readonly fail: (field: string, value: unknown, message: string) => never
}

const isLine = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0

/**
 * Checks a threshold (lines, `durationMs`, `repeatMs`, `action`) and returns a frozen copy
 * without undefined keys, so later edits of the caller's object cannot change an episode under way.
 * Durations are bounded by what a Node timer holds (2³¹−1 ms).
 */
export function checkThreshold<T extends ThresholdTiming>(input: unknown, rules: ThresholdRules): T {
  const { where, fail } = rules
  const expect = (field: string, value: unknown, expected: string): never =>
    fail(field, value, `Expected \`${field}\` of the ${where} to be ${expected}, got ${describe(value)}`)
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    fail('threshold', input, `Expected the ${where} to be an object, got ${describe(input)}`)
  }
  const t = input as Record<string, unknown>
  const timing = rules.action === true ? ['durationMs', 'repeatMs', 'action'] : ['durationMs', 'repeatMs']
  for (const key of Object.keys(t)) {
    if (!rules.isResource(key) && !timing.includes(key)) {
      fail(
        key,
        t[key],
        `Unknown key \`${key}\` in the ${where}; expected one of ${[...rules.resourceNames, ...timing].join(', ')}`,
      )
    }
  }
  let watched = 0
  for (const key of Object.keys(t)) {
    if (timing.includes(key) || t[key] === undefined) continue
    if (!isLine(t[key])) expect(key, t[key], 'a non-negative finite number')
    watched++
  }
  if (t.durationMs === undefined)
    expect('durationMs', t.durationMs, 'a non-negative number of ms (it is required)')
  if (!(isLine(t.durationMs) && t.durationMs <= MAX_TIMER_MS)) {
    expect('durationMs', t.durationMs, `a non-negative finite number of ms (at most ${MAX_TIMER_MS})`)
  }
  if (t.repeatMs !== undefined && !(isLine(t.repeatMs) && t.repeatMs > 0 && t.repeatMs <= MAX_TIMER_MS)) {
    expect('repeatMs', t.repeatMs, `a positive finite number of ms (at most ${MAX_TIMER_MS})`)
  }
  if (t.action !== undefined && t.action !== 'restart') expect('action', t.action, "'restart' or undefined")
  if (watched === 0) {
    fail(
      'threshold',
      input,
      `The ${where} watches nothing: set at least one of ${rules.resourceNames.join(', ')}`,
    )
  }
  const copy: Record<string, unknown> = {}
  for (const key of Object.keys(t)) if (t[key] !== undefined) copy[key] = t[key]
  return Object.freeze(copy) as unknown as T
}
