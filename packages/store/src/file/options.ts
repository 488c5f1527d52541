import { constants } from 'node:buffer'
import { InvalidOptionError } from '../errors.js'
import { type ResolvedHistoryOptions, resolveHistoryOptions } from '../history/options.js'
import { boolean, duration, knownKeys, nonEmptyString } from '../validate.js'
import type { FileMetadataStoreOptions } from './metadata.js'

const KEYS = ['dir', 'fsync', 'readOnly', 'history', 'maxRecordBytes', 'cacheIdleMs'] as const

/** Ten monitor ticks at the default 60 s interval: agents sampled every tick stay cached. */
export const DEFAULT_CACHE_IDLE_MS = 600_000

/**
 * Generous bytes per raw point or tier bucket a history may hold: a worst-case raw point (17-digit
 * floats, no delta encoding) takes ~180 bytes on disk, a tier bucket ~150 (base64 float32).
 */
const BYTES_PER_SLOT = 512
/** A full default history measures 330-400 KiB (integer to full-precision float samples): 4 MiB is 10× that. */
const MIN_DEFAULT_MAX_RECORD_BYTES = 4 * 2 ** 20

export interface ResolvedStoreOptions {
  readonly dir: string
  readonly fsync: boolean
  readonly readOnly: boolean
  readonly history: ResolvedHistoryOptions
  readonly maxRecordBytes: number
  readonly cacheIdleMs: number
}

/** The default `maxRecordBytes`: room for a full history of these options, and never below 4 MiB. */
export function defaultMaxRecordBytes(history: ResolvedHistoryOptions): number {
  const slots = history.maxSize + history.tiers.reduce((sum, t) => sum + t.size, 0)
  return Math.max(MIN_DEFAULT_MAX_RECORD_BYTES, slots * BYTES_PER_SLOT)
}

export function resolveStoreOptions(options: FileMetadataStoreOptions): ResolvedStoreOptions {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError({ option: 'options', expected: 'an object with a `dir`', value: options })
  }
  knownKeys('the store options', options, KEYS)
  const history = resolveHistoryOptions(options.history, 'history.')
  return {
    dir: nonEmptyString('dir', options.dir),
    fsync: boolean('fsync', options.fsync ?? true),
    readOnly: boolean('readOnly', options.readOnly ?? false),
    history,
    maxRecordBytes: byteLimit('maxRecordBytes', options.maxRecordBytes ?? defaultMaxRecordBytes(history)),
    cacheIdleMs: duration('cacheIdleMs', options.cacheIdleMs ?? DEFAULT_CACHE_IDLE_MS),
  }
}

/** A record is parsed from one string: it cannot be longer than V8's longest string. */
function byteLimit(option: string, value: unknown): number {
  if (
    typeof value !== 'number' ||
    !Number.isSafeInteger(value) ||
    value <= 0 ||
    value > constants.MAX_STRING_LENGTH
  ) {
    throw new InvalidOptionError({
      option,
      expected: `an integer from 1 to ${constants.MAX_STRING_LENGTH} (bytes)`,
      value,
    })
  }
  return value
}
