/** Every error thrown by @warden/store; match on `code`. */
export class StoreError extends Error {
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** An option or argument had the wrong type or range, or an options object had an unknown key. */
export class InvalidOptionError extends StoreError {
  readonly option: string
  readonly value: unknown

  constructor(init: { option: string; value: unknown } & ({ expected: string } | { message: string })) {
    super(
      'ERR_STORE_INVALID_OPTION',
      'message' in init
        ? init.message
        : `Expected \`${init.option}\` to be ${init.expected}, got ${describeValue(init.value)}`,
    )
    this.option = init.option
    this.value = init.value
  }
}

/** An agent id that could escape the store directory or is not a plain file name. */
export class InvalidAgentIdError extends StoreError {
  readonly id: unknown

  constructor({ id, reason }: { id: unknown; reason: string }) {
    super('ERR_STORE_INVALID_AGENT_ID', `Invalid agent id ${describeValue(id)}: ${reason}`)
    this.id = id
  }
}

/** A data point with a missing timestamp or a non-numeric / negative field. */
export class InvalidDataPointError extends StoreError {
  readonly field: string
  readonly value: unknown

  constructor({ field, value, expected }: { field: string; value: unknown; expected: string }) {
    super(
      'ERR_STORE_INVALID_DATA_POINT',
      `Expected data point \`${field}\` to be ${expected}, got ${describeValue(value)}`,
    )
    this.field = field
    this.value = value
  }
}

/** A point older than the newest one already held: history is append-only in time order. */
export class OutOfOrderPointError extends StoreError {
  readonly timestamp: number
  readonly latestTimestamp: number

  constructor({ timestamp, latestTimestamp }: { timestamp: number; latestTimestamp: number }) {
    super(
      'ERR_STORE_OUT_OF_ORDER',
      `Data point timestamp ${timestamp} is older than the latest held point (${latestTimestamp}); history only appends in time order`,
    )
    this.timestamp = timestamp
    this.latestTimestamp = latestTimestamp
  }
}

/** Serialized history or metadata that does not have the expected shape. */
export class InvalidHistoryDataError extends StoreError {
  /** The field, e.g. `status` or `resourceUsage.tiers[0].head.record`. */
  readonly path: string
  readonly reason: string

  constructor({ path, reason }: { path: string; reason: string }) {
    super('ERR_STORE_INVALID_DATA', `Invalid serialized data at \`${path}\`: ${reason}`)
    this.path = path
    this.reason = reason
  }
}

/** Another live process holds the directory's writer lock. */
export class StoreLockedError extends StoreError {
  readonly dir: string
  readonly lockPath: string
  readonly pid: number

  constructor({ dir, lockPath, pid }: { dir: string; lockPath: string; pid: number }) {
    super(
      'ERR_STORE_LOCKED',
      `Store directory ${dir} is locked for writing by process ${pid} (${lockPath}); open it with readOnly: true or stop that process`,
    )
    this.dir = dir
    this.lockPath = lockPath
    this.pid = pid
  }
}

/** A file failed to parse or validate; it was renamed aside to `quarantinePath`. */
export class StoreCorruptError extends StoreError {
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
    super('ERR_STORE_CORRUPT', `Metadata file ${path} of agent "${id}" is corrupt and was ${where}`, {
      cause,
    })
    this.id = id
    this.path = path
    this.quarantinePath = quarantinePath
  }
}

/** An entry of the store directory that is a symlink, directory or special file: never followed or read. */
export class NotRegularFileError extends StoreError {
  readonly path: string
  readonly kind: string

  constructor({ path, kind }: { path: string; kind: string }) {
    super(
      'ERR_STORE_NOT_REGULAR_FILE',
      `${path} is ${kind}, not a regular file; the store never follows links or reads special files in its directory`,
    )
    this.path = path
    this.kind = kind
  }
}

/** A record above `maxRecordBytes`: refused when writing, set aside unparsed when reading. */
export class RecordTooLargeError extends StoreError {
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
      'ERR_STORE_RECORD_TOO_LARGE',
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
export class UnsupportedSchemaVersionError extends StoreError {
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
      'ERR_STORE_UNSUPPORTED_SCHEMA',
      `Metadata file ${path} of agent "${id}" has schemaVersion ${describeValue(schemaVersion)}; this version of @warden/store reads up to ${supported} and will not overwrite it`,
    )
    this.id = id
    this.path = path
    this.schemaVersion = schemaVersion
    this.supported = supported
  }
}

/** Bytes at the end of a journal segment that are not a complete, valid record: cut off at open, never fatal. */
export class JournalCorruptError extends StoreError {
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
      'ERR_STORE_JOURNAL_CORRUPT',
      `Journal segment ${path} holds no valid record after byte ${offset} (${reason}); ${bytesDropped} bytes dropped`,
    )
    this.path = path
    this.offset = offset
    this.bytesDropped = bytesDropped
    this.reason = reason
  }
}

/** The store is not open (never opened, or closed). */
export class StoreClosedError extends StoreError {
  constructor({ operation }: { operation: string }) {
    super('ERR_STORE_CLOSED', `Cannot ${operation}: the store is not open (call open() first)`)
  }
}

/** A mutation on a store opened with `readOnly: true`. */
export class StoreReadOnlyError extends StoreError {
  constructor({ operation }: { operation: string }) {
    super('ERR_STORE_READ_ONLY', `Cannot ${operation}: the store was opened with readOnly: true`)
  }
}

/** A filesystem operation failed (write, fsync, rename, unlink, readdir). */
export class StoreIOError extends StoreError {
  readonly path: string
  readonly operation: string

  constructor({ path, operation, cause }: { path: string; operation: string; cause: unknown }) {
    const detail = cause instanceof Error ? cause.message : String(cause)
    super('ERR_STORE_IO', `Failed to ${operation} ${path}: ${detail}`, { cause })
    this.path = path
    this.operation = operation
  }
}

/** A value for an error message: strings quoted and cut, objects by kind. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return `${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)} (string)`
  if (value === null) return 'null'
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object'
  return `${String(value)} (${typeof value})`
}
