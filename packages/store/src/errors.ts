import type { InvalidAgentIdError, InvalidOptionError } from '@warden/utils'
import { describe, WardenError } from '@warden/utils'

export { InvalidAgentIdError, InvalidOptionError } from '@warden/utils'

/** A data point with a missing timestamp or a non-numeric / negative field. */
export class InvalidDataPointError extends WardenError {
  readonly code = 'ERR_STORE_INVALID_DATA_POINT' as const
  readonly field: string
  readonly value: unknown

  constructor({ field, value, expected }: { field: string; value: unknown; expected: string }) {
    super(`Expected data point \`${field}\` to be ${expected}, got ${describe(value)}`)
    this.field = field
    this.value = value
  }
}

/** A point older than the newest one already held: history is append-only in time order. */
export class OutOfOrderPointError extends WardenError {
  readonly code = 'ERR_STORE_OUT_OF_ORDER' as const
  readonly timestamp: number
  readonly latestTimestamp: number

  constructor({ timestamp, latestTimestamp }: { timestamp: number; latestTimestamp: number }) {
    super(
      `Data point timestamp ${timestamp} is older than the latest held point (${latestTimestamp}); history only appends in time order`,
    )
    this.timestamp = timestamp
    this.latestTimestamp = latestTimestamp
  }
}

/** Serialized history or metadata that does not have the expected shape. */
export class InvalidHistoryDataError extends WardenError {
  readonly code = 'ERR_STORE_INVALID_DATA' as const
  /** The field, e.g. `status` or `resourceUsage.tiers[0].head.record`. */
  readonly path: string
  readonly reason: string

  constructor({ path, reason }: { path: string; reason: string }) {
    super(`Invalid serialized data at \`${path}\`: ${reason}`)
    this.path = path
    this.reason = reason
  }
}

/** Another live process holds the directory's writer lock. */
export class StoreLockedError extends WardenError {
  readonly code = 'ERR_STORE_LOCKED' as const
  readonly dir: string
  readonly lockPath: string
  readonly pid: number

  constructor({ dir, lockPath, pid }: { dir: string; lockPath: string; pid: number }) {
    super(
      `Store directory ${dir} is locked for writing by process ${pid} (${lockPath}); open it with readOnly: true or stop that process`,
    )
    this.dir = dir
    this.lockPath = lockPath
    this.pid = pid
  }
}

/** A file failed to parse or validate; it was renamed aside to `quarantinePath`. */
export class StoreCorruptError extends WardenError {
  readonly code = 'ERR_STORE_CORRUPT' as const
  readonly id: string
  readonly path: string
  readonly quarantinePath: string | null

  constructor({
    id,
    path,
    quarantinePath,
    cause,
  }: { id: string; path: string; quarantinePath: string | null; cause: unknown }) {
    const where = quarantinePath === null ? 'left in place (read-only store)' : `moved to ${quarantinePath}`
    super(`Metadata file ${path} of agent "${id}" is corrupt and was ${where}`, {
      cause,
    })
    this.id = id
    this.path = path
    this.quarantinePath = quarantinePath
  }
}

/** An entry of the store directory that is a symlink, directory or special file: never followed or read. */
export class NotRegularFileError extends WardenError {
  readonly code = 'ERR_STORE_NOT_REGULAR_FILE' as const
  readonly path: string
  readonly kind: string

  constructor({ path, kind }: { path: string; kind: string }) {
    super(
      `${path} is ${kind}, not a regular file; the store never follows links or reads special files in its directory`,
    )
    this.path = path
    this.kind = kind
  }
}

/** A record above `maxRecordBytes`: refused when writing, set aside unparsed when reading. */
export class RecordTooLargeError extends WardenError {
  readonly code = 'ERR_STORE_RECORD_TOO_LARGE' as const
  readonly path: string
  readonly size: number
  readonly maxRecordBytes: number

  constructor({
    path,
    size,
    maxRecordBytes,
    operation,
  }: { path: string; size: number; maxRecordBytes: number; operation: 'read' | 'write' }) {
    super(
      operation === 'write'
        ? `Refusing to write ${path}: the record is ${size} bytes, more than maxRecordBytes (${maxRecordBytes})`
        : `${path} is ${size} bytes, more than maxRecordBytes (${maxRecordBytes}); it was not parsed`,
    )
    this.path = path
    this.size = size
    this.maxRecordBytes = maxRecordBytes
  }
}

/** A file written by a newer version of this package; it is never overwritten. */
export class UnsupportedSchemaVersionError extends WardenError {
  readonly code = 'ERR_STORE_UNSUPPORTED_SCHEMA' as const
  readonly id: string
  readonly path: string
  readonly schemaVersion: unknown
  readonly supported: number

  constructor({
    id,
    path,
    schemaVersion,
    supported,
  }: { id: string; path: string; schemaVersion: unknown; supported: number }) {
    super(
      `Metadata file ${path} of agent "${id}" has schemaVersion ${describe(schemaVersion)}; this version of @warden/store reads up to ${supported} and will not overwrite it`,
    )
    this.id = id
    this.path = path
    this.schemaVersion = schemaVersion
    this.supported = supported
  }
}

/** Bytes at the end of a journal segment that are not a complete, valid record: cut off at open, never fatal. */
export class JournalCorruptError extends WardenError {
  readonly code = 'ERR_STORE_JOURNAL_CORRUPT' as const
  /** The segment. */
  readonly path: string
  /** Where the cut was made: the end of the last valid record. */
  readonly offset: number
  readonly bytesDropped: number
  readonly reason: string

  constructor({
    path,
    offset,
    bytesDropped,
    reason,
  }: { path: string; offset: number; bytesDropped: number; reason: string }) {
    super(
      `Journal segment ${path} holds no valid record after byte ${offset} (${reason}); ${bytesDropped} bytes dropped`,
    )
    this.path = path
    this.offset = offset
    this.bytesDropped = bytesDropped
    this.reason = reason
  }
}

/** The store is not open (never opened, or closed). */
export class StoreClosedError extends WardenError {
  readonly code = 'ERR_STORE_CLOSED' as const
  constructor({ operation }: { operation: string }) {
    super(`Cannot ${operation}: the store is not open (call open() first)`)
  }
}

/** A mutation on a store opened with `readOnly: true`. */
export class StoreReadOnlyError extends WardenError {
  readonly code = 'ERR_STORE_READ_ONLY' as const
  constructor({ operation }: { operation: string }) {
    super(`Cannot ${operation}: the store was opened with readOnly: true`)
  }
}

/** A filesystem operation failed (write, fsync, rename, unlink, readdir). */
export class StoreIOError extends WardenError {
  readonly code = 'ERR_STORE_IO' as const
  readonly path: string
  readonly operation: string

  constructor({ path, operation, cause }: { path: string; operation: string; cause: unknown }) {
    const detail = cause instanceof Error ? cause.message : String(cause)
    super(`Failed to ${operation} ${path}: ${detail}`, { cause })
    this.path = path
    this.operation = operation
  }
}

/** Every error @warden/store throws, emits or records: narrow it with `switch (error.code)`. */
export type StoreError =
  | InvalidAgentIdError
  | InvalidDataPointError
  | InvalidHistoryDataError
  | InvalidOptionError
  | JournalCorruptError
  | NotRegularFileError
  | OutOfOrderPointError
  | RecordTooLargeError
  | StoreClosedError
  | StoreCorruptError
  | StoreIOError
  | StoreLockedError
  | StoreReadOnlyError
  | UnsupportedSchemaVersionError
