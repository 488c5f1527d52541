import { describe } from '@warden/utils'
import { InvalidThresholdError } from '../errors.js'
import { type ResourceThreshold, THRESHOLD_RESOURCES } from './types.js'

const KEYS = new Set<string>([...THRESHOLD_RESOURCES, 'durationMs', 'repeatMs', 'action'])

/**
 * Checks a threshold and returns a frozen copy, so later edits of the caller's object cannot
 * change an episode under way. `agentId` only labels the error.
 */
export function validateThreshold(input: unknown, agentId?: string): ResourceThreshold {
  const where = agentId === undefined ? 'threshold' : `threshold of agent "${agentId}"`
  const fail = (field: string, value: unknown, expected: string): never => {
    throw new InvalidThresholdError({
      field,
      value,
      agentId,
      message: `Expected \`${field}\` of the ${where} to be ${expected}, got ${describe(value)}`,
    })
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidThresholdError({
      field: 'threshold',
      value: input,
      agentId,
      message: `Expected the ${where} to be an object, got ${describe(input)}`,
    })
  }
  const t = input as Record<string, unknown>
  for (const key of Object.keys(t)) {
    if (!KEYS.has(key)) {
      throw new InvalidThresholdError({
        field: key,
        value: t[key],
        agentId,
        message: `Unknown key \`${key}\` in the ${where}; expected one of ${[...KEYS].join(', ')}`,
      })
    }
  }
  const isLine = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0
  let watched = 0
  for (const r of THRESHOLD_RESOURCES) {
    if (t[r] === undefined) continue
    if (!isLine(t[r])) fail(r, t[r], 'a non-negative finite number')
    watched++
  }
  if (t.durationMs === undefined)
    fail('durationMs', t.durationMs, 'a non-negative number of ms (it is required)')
  if (!isLine(t.durationMs)) fail('durationMs', t.durationMs, 'a non-negative finite number of ms')
  if (t.repeatMs !== undefined && !(isLine(t.repeatMs) && t.repeatMs > 0)) {
    fail('repeatMs', t.repeatMs, 'a positive finite number of ms')
  }
  if (t.action !== undefined && t.action !== 'restart') fail('action', t.action, "'restart' or undefined")
  if (watched === 0) {
    throw new InvalidThresholdError({
      field: 'threshold',
      value: input,
      agentId,
      message: `The ${where} watches nothing: set at least one of ${THRESHOLD_RESOURCES.join(', ')}`,
    })
  }
  const copy: Record<string, unknown> = {}
  for (const key of KEYS) if (t[key] !== undefined) copy[key] = t[key]
  return Object.freeze(copy) as unknown as ResourceThreshold
}
