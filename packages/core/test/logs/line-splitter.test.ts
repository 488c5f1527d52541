import { describe, expect, it } from 'vitest'
import { LineSplitter } from '../../src/logs/line-splitter.js'

const run = (chunks: string[], max = 1024): string[] => {
  const s = new LineSplitter({ maxLineBytes: max })
  const out: string[] = []
  for (const c of chunks) s.push(Buffer.from(c), (l) => out.push(l.toString()))
  s.end((l) => out.push(l.toString()))
  return out
}

describe('LineSplitter', () => {
  it('joins lines across chunks and keeps empty lines', () => {
    expect(run(['ab', 'c\nd', '\n\ne'])).toEqual(['abc', 'd', '', 'e'])
  })
  it('keeps multi-byte characters whole across chunk boundaries', () => {
    const buf = Buffer.from('héllo\n')
    const s = new LineSplitter({ maxLineBytes: 1024 })
    const out: string[] = []
    s.push(buf.subarray(0, 2), (l) => out.push(l.toString()))
    s.push(buf.subarray(2), (l) => out.push(l.toString()))
    expect(out).toEqual(['héllo'])
  })
  it('cuts a line longer than maxLineBytes into pieces (bounded memory)', () => {
    expect(run(['abcdefg', 'hij\nk'], 4)).toEqual(['abcd', 'efgh', 'ij', 'k'])
    expect(run(['abcdefghij\n'], 4)).toEqual(['abcd', 'efgh', 'ij'])
  })
})
