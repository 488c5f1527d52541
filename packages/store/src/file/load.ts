import type { FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import {
  NotRegularFileError,
  RecordTooLargeError,
  StoreCorruptError,
  UnsupportedSchemaVersionError,
} from '../errors.js'
import type { ResolvedHistoryOptions } from '../history/options.js'
import { type DecodedRecord, decodeMetadata, FutureSchemaError, SCHEMA_VERSION } from './format.js'
import type { CorruptEvent } from './metadata.js'
import { moveAside } from './quarantine.js'
import { currentIdentity, readRegularFileAndIdentity } from './read-file.js'
import type { Slots } from './slots.js'
import type { Turns } from './turns.js'

export interface LoadContext {
  readonly dir: string
  readonly readOnly: boolean
  readonly maxRecordBytes: number
  readonly history: ResolvedHistoryOptions
  /** The directory, to fsync after moving a corrupt file aside (writer with fsync). */
  readonly dirHandle: FileHandle | undefined
  readonly turns: Turns
  /** File reads in flight (see `Slots`). */
  readonly reads: Slots
}

export interface LoadedFile {
  /** The record, undefined when there is no file or it was corrupt (reported in `corrupt`). */
  readonly record: DecodedRecord | undefined
  /** Identity of the entry read (`fileIdentity`), undefined when there was none. */
  readonly identity: string | undefined
}

export function recordPath(dir: string, id: string): string {
  return join(dir, `${id}.json`)
}

/**
 * Reads and decodes `<id>.json` (the read waits for one of `reads`' slots, the parse takes its own
 * event-loop turn). A corrupt, oversized
 * or non-regular entry is set aside by a writer (left in place by a reader) and added to
 * `corrupt`; a file of a newer schema throws `UnsupportedSchemaVersionError`.
 */
export async function loadFile(ctx: LoadContext, id: string, corrupt: CorruptEvent[]): Promise<LoadedFile> {
  const path = recordPath(ctx.dir, id)
  let read: { data: Buffer; identity: string } | undefined
  try {
    read = await ctx.reads.run(() => readRegularFileAndIdentity(path, 'read', ctx.maxRecordBytes))
  } catch (error) {
    // A symlink here is never followed, an oversized file never parsed: both are set aside like a corrupt file.
    if (!(error instanceof NotRegularFileError || error instanceof RecordTooLargeError)) throw error
    const identity = ctx.readOnly ? await currentIdentity(path) : undefined
    corrupt.push(await quarantine(ctx, id, path, error))
    return { record: undefined, identity }
  }
  if (read === undefined) return { record: undefined, identity: undefined }
  const { data, identity } = read
  try {
    return {
      record: await ctx.turns.run(() => decodeMetadata(data.toString('utf8'), id, ctx.history)),
      identity,
    }
  } catch (error) {
    if (error instanceof FutureSchemaError) {
      throw new UnsupportedSchemaVersionError({
        id,
        path,
        schemaVersion: error.schemaVersion,
        supported: SCHEMA_VERSION,
      })
    }
    corrupt.push(await quarantine(ctx, id, path, error))
    return { record: undefined, identity: ctx.readOnly ? identity : undefined }
  }
}

/** Sets a corrupt file aside (a writer moves it, a read-only store leaves it) and describes it. */
async function quarantine(ctx: LoadContext, id: string, path: string, cause: unknown): Promise<CorruptEvent> {
  const quarantinePath = ctx.readOnly ? null : await moveAside(path, ctx.dirHandle)
  const error = new StoreCorruptError({ id, path, quarantinePath, cause })
  return { id, path, quarantinePath, error }
}
