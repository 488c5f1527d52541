import { type FileHandle, unlink } from 'node:fs/promises'
import { JournalCorruptError, NotRegularFileError, StoreIOError } from '../errors.js'
import { moveAside } from '../file/quarantine.js'
import type { Series } from '../history/series.js'
import { PendingLog } from './pending.js'
import { scanSegment } from './scan.js'
import { openSegment, RECOVER_FLAGS, segmentsIn } from './segment.js'
import type { SegmentInfo } from './writer.js'

/** `journal:truncated` event payload: bytes a writer's open() cut off a segment (or a segment it set aside). */
export interface JournalTruncatedEvent {
  readonly segment: string
  /** End of the last valid record: what the segment was cut to. */
  readonly offset: number
  readonly bytesDropped: number
  /** Why the bytes were not records, e.g. `incomplete frame (torn write)` or `checksum mismatch …`. */
  readonly reason: string
  readonly error: JournalCorruptError
}

export interface RecoveredJournal {
  /** Segments left with records, oldest first. */
  readonly segments: SegmentInfo[]
  /** Their records per agent, for the store to replay onto each file on first use. */
  readonly pending: PendingLog
  readonly lastLsn: number
  readonly truncated: JournalTruncatedEvent[]
}

/**
 * The writer's recovery: reads every segment, cuts each one back to its last valid record (a torn
 * or corrupt tail is dropped and reported, never fatal), sets aside entries that are not regular
 * files (never followed), and removes segments left empty.
 */
export async function recoverJournal(
  dir: string,
  names: readonly string[],
  dirHandle: FileHandle | undefined,
  fsync: boolean,
  series: Series,
): Promise<RecoveredJournal> {
  const pending = new PendingLog(series)
  const segments: SegmentInfo[] = []
  const truncated: JournalTruncatedEvent[] = []
  const report = (segment: string, offset: number, bytesDropped: number, reason: string): void => {
    const error = new JournalCorruptError({ path: segment, offset, bytesDropped, reason })
    truncated.push({ segment, offset, bytesDropped, reason, error })
  }
  let lastLsn = 0
  for (const { seq, path } of segmentsIn(dir, names)) {
    let handle: FileHandle | undefined
    try {
      handle = await openSegment(path, RECOVER_FLAGS)
    } catch (error) {
      if (!(error instanceof NotRegularFileError)) {
        throw new StoreIOError({ path, operation: 'open the journal segment', cause: error })
      }
      const movedTo = await moveAside(path, dirHandle)
      report(path, 0, 0, `${error.kind}, not a regular file: never followed, moved to ${movedTo}`)
      continue
    }
    if (handle === undefined) continue
    try {
      const { size } = await handle.stat()
      let firstLsn = Number.POSITIVE_INFINITY
      const scan = await scanSegment(series, handle, 0, size, lastLsn, (record) => {
        if (firstLsn === Number.POSITIVE_INFINITY) firstLsn = record.lsn
        pending.add(record, seq)
      })
      if (scan.stop.kind === 'corrupt' && scan.end === 0) {
        // Not one of ours (a bad header): its bytes are kept aside, not cut.
        await handle.close()
        handle = undefined
        const movedTo = await moveAside(path, dirHandle)
        report(path, 0, size, `${scan.stop.detail}: moved to ${movedTo}`)
        continue
      }
      if (scan.stop.kind !== 'end' && size > scan.end) {
        const reason = scan.stop.kind === 'incomplete' ? 'incomplete frame (torn write)' : scan.stop.detail
        await handle.truncate(scan.end)
        if (fsync) await handle.sync()
        report(path, scan.end, size - scan.end, reason)
      }
      if (scan.lastLsn === lastLsn) {
        await handle.close()
        handle = undefined
        await unlink(path)
        continue
      }
      segments.push({ seq, path, size: scan.end, firstLsn, lastLsn: scan.lastLsn })
      lastLsn = scan.lastLsn
    } catch (error) {
      if (error instanceof StoreIOError) throw error
      throw new StoreIOError({ path, operation: 'recover the journal segment', cause: error })
    } finally {
      await handle?.close().catch(() => undefined)
    }
  }
  return { segments, pending, lastLsn, truncated }
}
