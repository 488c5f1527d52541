import { crc32 } from 'node:zlib'

/** Every segment starts with these 8 bytes (the last one is the format version). */
export const SEGMENT_MAGIC = Buffer.from('WARDENJ1', 'latin1')
/** `[u32 LE payload length][u32 LE crc32(payload)]`. */
export const FRAME_HEADER_BYTES = 8
/** Largest payload a frame may carry: a longer length field can only be damage. */
export const MAX_PAYLOAD_BYTES = 64 * 2 ** 20

export type FrameRead =
  | { readonly kind: 'frame'; readonly payload: Buffer; readonly end: number }
  /** Fewer bytes than the frame needs: a torn tail, or (for a reader) a write still under way. */
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'corrupt'; readonly detail: string }

/**
 * Completes the frame at `offset` of `buf` whose `payloadLength` payload bytes are already in
 * place after the header (encoders write straight into the commit's buffer): writes the length
 * and checksum; returns the offset after the frame.
 */
export function sealFrame(buf: Buffer, offset: number, payloadLength: number): number {
  const start = offset + FRAME_HEADER_BYTES
  buf.writeUInt32LE(payloadLength, offset)
  buf.writeUInt32LE(crc32(buf.subarray(start, start + payloadLength)), offset + 4)
  return start + payloadLength
}

/** The frame starting at `offset` of `buf`. */
export function readFrame(buf: Buffer, offset: number): FrameRead {
  if (buf.length - offset < FRAME_HEADER_BYTES) return { kind: 'incomplete' }
  const length = buf.readUInt32LE(offset)
  // Zero is what a power cut leaves where a size update outran the data (a zero-filled block).
  if (length === 0 || length > MAX_PAYLOAD_BYTES) {
    return { kind: 'corrupt', detail: `frame length ${length} outside 1..${MAX_PAYLOAD_BYTES}` }
  }
  const end = offset + FRAME_HEADER_BYTES + length
  if (end > buf.length) return { kind: 'incomplete' }
  const payload = buf.subarray(offset + FRAME_HEADER_BYTES, end)
  const expected = buf.readUInt32LE(offset + 4)
  const actual = crc32(payload)
  if (actual !== expected) {
    return { kind: 'corrupt', detail: `checksum mismatch (stored ${expected}, computed ${actual})` }
  }
  return { kind: 'frame', payload, end }
}
