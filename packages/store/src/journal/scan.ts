import type { FileHandle } from 'node:fs/promises'
import type { Series } from '../history/series.js'
import { FRAME_HEADER_BYTES, MAX_PAYLOAD_BYTES, readFrame, SEGMENT_MAGIC } from './frame.js'
import { decodeRecord, type JournalRecord, RecordFormatError } from './record.js'

/** Bytes read per step: bounds the buffer (a longer frame is read whole). */
const CHUNK_BYTES = 256 * 2 ** 10
/** Records decoded between two turns of the event loop: a replay of megabytes never runs as one stretch. */
const YIELD_BYTES = 32 * 2 ** 10

export type ScanStop =
  /** Every byte up to the size scanned was a valid record. */
  | { readonly kind: 'end' }
  /** The bytes after `end` are a frame (or the header) not yet complete: torn, or still being written. */
  | { readonly kind: 'incomplete' }
  /** The bytes at `end` are not a valid frame or record. */
  | { readonly kind: 'corrupt'; readonly detail: string }

export interface ScanResult {
  /** Offset after the last valid record (after the header when there is none). */
  readonly end: number
  readonly stop: ScanStop
  /** LSN of the last valid record, or the `afterLsn` given when none was read. */
  readonly lastLsn: number
}

/**
 * Reads the segment behind `handle` from `from` (0: the header first) up to `size` and calls
 * `onRecord` for each valid record in order. Records must carry LSNs above `afterLsn`, rising.
 * Reads in chunks, so memory stays bounded by the largest frame whatever the segment's size.
 */
export async function scanSegment(
  series: Series,
  handle: FileHandle,
  from: number,
  size: number,
  afterLsn: number,
  onRecord: (record: JournalRecord, offset: number) => void,
): Promise<ScanResult> {
  let end = from
  let lastLsn = afterLsn
  if (from === 0) {
    const head = await readAt(handle, 0, Math.min(size, SEGMENT_MAGIC.length))
    const prefix = SEGMENT_MAGIC.subarray(0, head.length)
    if (!head.equals(prefix))
      return { end: 0, lastLsn, stop: { kind: 'corrupt', detail: 'not a journal segment (bad header)' } }
    if (head.length < SEGMENT_MAGIC.length) return { end: 0, lastLsn, stop: { kind: 'incomplete' } }
    end = SEGMENT_MAGIC.length
  }
  let buf: Buffer = Buffer.alloc(0)
  let sinceYield = 0
  let bufStart = end
  while (bufStart + buf.length < size) {
    // A frame longer than a chunk is read whole (bounded by MAX_PAYLOAD_BYTES).
    const declared = buf.length >= FRAME_HEADER_BYTES ? buf.readUInt32LE(0) : 0
    const want = Math.max(
      CHUNK_BYTES,
      Math.min(declared, MAX_PAYLOAD_BYTES) + FRAME_HEADER_BYTES - buf.length,
    )
    const chunk = await readAt(handle, bufStart + buf.length, Math.min(want, size - bufStart - buf.length))
    if (chunk.length === 0) break
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk])
    let at = 0
    for (;;) {
      const frame = readFrame(buf, at)
      if (frame.kind === 'incomplete') break
      if (frame.kind === 'corrupt') return { end, lastLsn, stop: frame }
      let record: JournalRecord
      try {
        record = decodeRecord(series, frame.payload)
      } catch (error) {
        if (!(error instanceof RecordFormatError)) throw error
        return { end, lastLsn, stop: { kind: 'corrupt', detail: `invalid record: ${error.message}` } }
      }
      if (record.lsn <= lastLsn) {
        return {
          end,
          lastLsn,
          stop: { kind: 'corrupt', detail: `lsn ${record.lsn} does not follow ${lastLsn}` },
        }
      }
      onRecord(record, bufStart + at)
      lastLsn = record.lsn
      sinceYield += frame.end - at
      at = frame.end
      end = bufStart + at
      if (sinceYield >= YIELD_BYTES) {
        sinceYield = 0
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
    buf = buf.subarray(at)
    bufStart += at
  }
  return { end, lastLsn, stop: buf.length > 0 || end < size ? { kind: 'incomplete' } : { kind: 'end' } }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length)
  let done = 0
  while (done < length) {
    const { bytesRead } = await handle.read(buf, done, length - done, position + done)
    if (bytesRead === 0) break
    done += bytesRead
  }
  return buf.subarray(0, done)
}
