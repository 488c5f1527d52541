import { crc32 } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { FRAME_HEADER_BYTES, MAX_PAYLOAD_BYTES, readFrame, sealFrame } from '../../src/journal/frame.js'

/** A frame of `payload` as the journal writes it. */
function frame(payload: Buffer): Buffer {
  const buf = Buffer.alloc(FRAME_HEADER_BYTES + payload.length)
  payload.copy(buf, FRAME_HEADER_BYTES)
  expect(sealFrame(buf, 0, payload.length)).toBe(buf.length)
  return buf
}

describe('journal frames: [u32 LE length][u32 LE crc32(payload)][payload]', () => {
  it('writes the length and the checksum of the payload, and reads them back', () => {
    const payload = Buffer.from('hello journal')
    const buf = frame(payload)
    expect(buf.readUInt32LE(0)).toBe(payload.length)
    expect(buf.readUInt32LE(4)).toBe(crc32(payload))
    const read = readFrame(buf, 0)
    expect(read).toMatchObject({ kind: 'frame', end: buf.length })
    expect(read.kind === 'frame' && read.payload.equals(payload)).toBe(true)
  })

  it('reads frames one after another from any offset', () => {
    const a = frame(Buffer.from('first'))
    const b = frame(Buffer.from('second'))
    const both = Buffer.concat([a, b])
    const first = readFrame(both, 0)
    expect(first.kind).toBe('frame')
    const second = readFrame(both, a.length)
    expect(second).toMatchObject({ kind: 'frame', end: both.length })
    expect(second.kind === 'frame' && second.payload.toString()).toBe('second')
  })

  it('a frame cut at any byte is incomplete, not corrupt', () => {
    const buf = frame(Buffer.from('a payload of some length'))
    for (let cut = 0; cut < buf.length; cut++) {
      expect(readFrame(buf.subarray(0, cut), 0), `cut at ${cut}`).toEqual({ kind: 'incomplete' })
    }
  })

  it('any flipped bit of the payload or checksum fails the checksum', () => {
    const buf = frame(Buffer.from('checksummed'))
    for (let byte = 4; byte < buf.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const damaged = Buffer.from(buf)
        damaged[byte]! ^= 1 << bit
        const read = readFrame(damaged, 0)
        expect(read.kind, `byte ${byte} bit ${bit}`).toBe('corrupt')
        expect(read.kind === 'corrupt' && read.detail).toMatch(/checksum mismatch/)
      }
    }
  })

  it('a length of 0 (a zero-filled block after a power cut) or above the maximum is corrupt', () => {
    expect(readFrame(Buffer.alloc(64), 0)).toMatchObject({
      kind: 'corrupt',
      detail: expect.stringMatching(/length 0/),
    })
    const huge = Buffer.alloc(16)
    huge.writeUInt32LE(MAX_PAYLOAD_BYTES + 1, 0)
    expect(readFrame(huge, 0)).toMatchObject({ kind: 'corrupt' })
  })
})
