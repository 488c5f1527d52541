import { cpSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { LOCK_FILE } from '@warden/store'
import { readFrame, SEGMENT_MAGIC } from '../../src/journal/frame.js'
import { tempDir } from './tmp.js'

export const SEGMENT = /^journal-\d{10}\.wal$/

/** The journal segments in `dir`, oldest first. */
export function segmentNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => SEGMENT.test(n))
    .sort()
}

/** Total bytes of the journal in `dir` (a segment the writer deletes meanwhile counts 0). */
export function journalBytes(dir: string): number {
  return segmentNames(dir).reduce(
    (sum, n) => sum + (statSync(join(dir, n), { throwIfNoEntry: false })?.size ?? 0),
    0,
  )
}

/** `[start, end)` of every frame of a segment file. */
export function frameBounds(path: string): [number, number][] {
  const buf = readFileSync(path)
  const bounds: [number, number][] = []
  for (let at = SEGMENT_MAGIC.length; at < buf.length; ) {
    const frame = readFrame(buf, at)
    if (frame.kind !== 'frame') throw new Error(`no frame at ${at} of ${path}: ${frame.kind}`)
    bounds.push([at, frame.end])
    at = frame.end
  }
  return bounds
}

/**
 * What a power cut would leave of an idle writer's directory (every write it made is complete):
 * a copy without its lock, in a fresh temp dir.
 */
export function crashImage(dir: string): string {
  const copy = tempDir()
  cpSync(dir, copy, { recursive: true })
  rmSync(join(copy, LOCK_FILE), { force: true })
  return copy
}
