import { constants } from 'node:buffer'
import { InvalidOptionError } from '../errors.js'
import { type ResolvedHistoryOptions, resolveHistoryOptions } from '../history/options.js'
import { boolean, duration, knownKeys, nonEmptyString } from '../validate.js'
import type { FileMetadataStoreOptions } from './metadata.js'

const KEYS = [
  'dir',
  'fsync',
  'readOnly',
  'history',
  'maxRecordBytes',
  'cacheIdleMs',
  'checkpointEvery',
  'segmentBytes',
] as const

/** Ten monitor ticks at the default 60 s interval: agents sampled every tick stay cached. */
export const DEFAULT_CACHE_IDLE_MS = 600_000

/**
 * Points of an agent between two rewrites of its file. A full file (1440 raw points and full 30-day
 * tiers) measures 295-400 KiB: 400 KiB / 256 + ~80 bytes of journal record stays under 2 KiB per point.
 */
export const DEFAULT_CHECKPOINT_EVERY = 256
const MAX_CHECKPOINT_EVERY = 1_000_000

/** Size at which the journal starts a new segment: about 50 ticks of 1000 agents (~80 bytes a point). */
export const DEFAULT_SEGMENT_BYTES = 4 * 2 ** 20
const MIN_SEGMENT_BYTES = 1024
const MAX_SEGMENT_BYTES = 2 ** 30

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
  readonly checkpointEvery: number
  readonly segmentBytes: number
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
    checkpointEvery: integerIn(
      'checkpointEvery',
      options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY,
      1,
      MAX_CHECKPOINT_EVERY,
      'points',
    ),
    segmentBytes: integerIn(
      'segmentBytes',
      options.segmentBytes ?? DEFAULT_SEGMENT_BYTES,
      MIN_SEGMENT_BYTES,
      MAX_SEGMENT_BYTES,
      'bytes',
    ),
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

function integerIn(option: string, value: unknown, min: number, max: number, unit: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidOptionError({ option, expected: `an integer from ${min} to ${max} (${unit})`, value })
  }
  return value
}
