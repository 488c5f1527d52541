import type { ResourceDataPoint } from '@warden/store'
import { describe, expect, it } from 'vitest'
import { PROCESS_SERIES as S } from '../../src/history/series.js'
import {
  decodeRecord,
  type JournalEntry,
  pointAt,
  pointsRecordSize,
  RecordFormatError,
  tombstoneRecordSize,
  writePointsRecord,
  writeTombstoneRecord,
} from '../../src/journal/record.js'
import { point } from '../helpers/points.js'

function encodePoints(lsn: number, entries: JournalEntry[]): Buffer {
  const buf = Buffer.alloc(pointsRecordSize(S, entries))
  expect(writePointsRecord(S, buf, 0, lsn, entries)).toBe(buf.length)
  return buf
}

const ENTRIES: JournalEntry[] = [
  {
    id: 'web-1',
    point: {
      timestamp: 1_767_268_800_000,
      cpuPercent: null,
      memoryRss: 123_456_789,
      memoryVms: null,
      diskReadBytes: 2 ** 52 + 1,
      diskWriteBytes: null,
      openFiles: null,
      threads: null,
    },
  },
  { id: 'a', point: { ...point({ timestamp: -5, cpuPercent: 12.345678901234567 }), processes: 3 } },
  { id: 'web-1', point: point({ timestamp: 1_767_268_860_000, openFiles: 0, threads: 0 }) },
]

describe('journal records', () => {
  it('points: id and every field as float64 round-trip exactly, nulls and an absent `processes` kept apart', () => {
    const payload = encodePoints(42, ENTRIES)
    // type + lsn + count, then per point: id length, id, flags, 8 float64 (+ processes when present).
    expect(payload.length).toBe(13 + (2 + 5 + 64) * 2 + (2 + 1 + 72))
    const record = decodeRecord(S, payload)
    expect(record).toMatchObject({ type: 'points', lsn: 42, ids: ['web-1', 'a', 'web-1'] })
    if (record.type !== 'points') return
    const points: ResourceDataPoint[] = record.ids.map(
      (_, i) => pointAt(S, record.values, i * S.columns.length) as unknown as ResourceDataPoint,
    )
    expect(points).toEqual(ENTRIES.map((e) => e.point))
    expect('processes' in points[0]!).toBe(false)
  })

  it('tombstone: the id and the lsn', () => {
    const buf = Buffer.alloc(tombstoneRecordSize('gone'))
    writeTombstoneRecord(buf, 0, 2 ** 40, 'gone')
    expect(decodeRecord(S, buf)).toEqual({ type: 'tombstone', lsn: 2 ** 40, id: 'gone' })
  })

  const valid = encodePoints(7, [{ id: 'ok', point: point({ timestamp: 1 }) }])
  // Offsets in `valid`: type 0, lsn 1-8, count 9-12, id length 13, id 14-15, flags 16, timestamp 17, cpu 25, rss 33, vms 41, openFiles 49 (COLUMNS order).
  const damaged: [string, (b: Buffer) => void, RegExp][] = [
    ['an unknown type', (b) => b.writeUInt8(9, 0), /unknown record type 9/],
    ['lsn 0', (b) => b.writeBigUInt64LE(0n, 1), /bad lsn/],
    ['a count that cannot fit', (b) => b.writeUInt32LE(1000, 9), /bad point count/],
    ['an id that is not a file name', (b) => b.write('..', 14, 'latin1'), /bad agent id/],
    ['unknown flags', (b) => b.writeUInt8(0x80, 16), /bad flags/],
    ['a NaN timestamp', (b) => b.writeDoubleLE(Number.NaN, 17), /timestamp/],
    ['a negative memoryRss', (b) => b.writeDoubleLE(-1, 33), /memoryRss/],
    ['a fractional openFiles', (b) => b.writeDoubleLE(1.5, 49), /openFiles/],
  ]
  it.each(damaged)('refuses %s', (_, damage, message) => {
    const buf = Buffer.from(valid)
    damage(buf)
    expect(() => decodeRecord(S, buf)).toThrow(RecordFormatError)
    expect(() => decodeRecord(S, buf)).toThrow(message)
  })

  it('refuses bytes after the record and a record cut short', () => {
    expect(() => decodeRecord(S, Buffer.concat([valid, Buffer.from([0])]))).toThrow(
      /1 bytes after the record/,
    )
    expect(() => decodeRecord(S, valid.subarray(0, valid.length - 1))).toThrow(/ends early/)
  })
})
