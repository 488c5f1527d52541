import { readFileSync } from 'node:fs'
import { ResourceUsageHistory } from '@warden/store'
import { describe, expect, it } from 'vitest'
import { encodeMetadata, RecordEncoding } from '../../src/file/encoding.js'
import { GOLDEN_LSN, goldenRecord } from '../helpers/golden.js'
import { point } from '../helpers/points.js'
import { randomRecord } from '../helpers/random-record.js'
import { wholeFileEncoding } from '../helpers/whole-file.js'

// Written by the whole-file encoder before checkpoints were formatted in steps: the layout must not change.
const GOLDEN = readFileSync(new URL('../fixtures/record.golden', import.meta.url))

/** Runs one step per call (a zero budget); returns the bytes and how many steps it took. */
function stepwise(encoding: RecordEncoding): { bytes: Buffer; steps: number } {
  let steps = 1
  while (!encoding.step(0)) steps++
  return { bytes: encoding.bytes(), steps }
}

describe('a record file encoded in steps', () => {
  it('is byte for byte the file the whole-file encoder wrote', () => {
    expect(encodeMetadata(goldenRecord(), GOLDEN_LSN).equals(GOLDEN)).toBe(true)
    const { bytes, steps } = stepwise(new RecordEncoding(goldenRecord(), GOLDEN_LSN))
    expect(bytes.equals(GOLDEN)).toBe(true)
    expect(steps).toBeGreaterThan(1)
    expect(wholeFileEncoding(goldenRecord(), GOLDEN_LSN).equals(GOLDEN)).toBe(true)
  })

  it('is byte for byte what the whole-file encoder writes, for random records', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const meta = randomRecord(seed)
      const expected = wholeFileEncoding(meta, seed)
      const { bytes } = stepwise(new RecordEncoding(meta, seed))
      expect(bytes.equals(expected), `seed ${seed}`).toBe(true)
      expect(encodeMetadata(meta, seed).equals(expected), `seed ${seed}`).toBe(true)
      // And the history part is the JSON of toJSON(), the format's definition.
      const json = JSON.parse(bytes.toString('utf8'))
      expect(JSON.stringify(json.resourceUsage), `seed ${seed}`).toBe(
        JSON.stringify(meta.resourceUsage.toJSON()),
      )
    }
  })

  it('holds the record as it was when the encoding started, whatever is changed between steps', () => {
    const meta = goldenRecord()
    const encoding = new RecordEncoding(meta, GOLDEN_LSN)
    expect(encoding.step(0)).toBe(false)
    const last = meta.resourceUsage.latest()!.timestamp
    // Closes tier buckets, moves the raw ring and the tiers' open buckets and counters.
    for (let i = 1; i <= 40; i++)
      meta.resourceUsage.add(point({ timestamp: last + i * 60_000, diskReadBytes: i }))
    meta.status = 'stopped'
    meta.labels!.team = 'changed'
    expect(stepwise(encoding).bytes.equals(GOLDEN)).toBe(true)
  })

  it('cuts long columns and tier data into chunks whose text joins up exactly', () => {
    // 5000 raw points (3 chunks a column) and a tier of 600 buckets (more than one base64 chunk).
    const history = new ResourceUsageHistory({ maxSize: 5000, tiers: [{ intervalMs: 60_000, size: 600 }] })
    for (let i = 0; i < 5000; i++) {
      history.add(
        point({
          timestamp: i * 60_000,
          cpuPercent: i % 9 === 0 ? null : i / 7,
          openFiles: i % 5 === 0 ? null : i,
          ...(i % 4 === 0 ? { processes: 2 } : {}),
        }),
      )
    }
    const meta = { id: 'long', restartCount: 0, updatedAt: 1, resourceUsage: history }
    const { bytes } = stepwise(new RecordEncoding(meta, 7))
    const expected = `{"schemaVersion":1,"journalLsn":7,"id":"long","restartCount":0,"updatedAt":1,"resourceUsage":${JSON.stringify(history.toJSON())}}`
    expect(bytes.toString('utf8')).toBe(expected)
    expect(ResourceUsageHistory.fromJSON(JSON.parse(expected).resourceUsage).range()).toEqual(history.range())
  })
})
