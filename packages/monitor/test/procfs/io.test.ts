import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseIo, readIo } from '../../src/procfs/io.js'

describe('io', () => {
  it('parses read_bytes and write_bytes, not rchar/wchar', () => {
    const text =
      'rchar: 900\nwchar: 800\nsyscr: 7\nsyscw: 6\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 0\n'
    expect(parseIo(text)).toEqual({ readBytes: 4096, writeBytes: 8192 })
  })

  it('matches /proc/self/io read independently', () => {
    const before = readFileSync('/proc/self/io', 'latin1')
    const io = readIo({ pid: process.pid })
    const num = (key: string) => Number(new RegExp(`^${key}: (\\d+)`, 'm').exec(before)?.[1])
    expect(io?.readBytes).toBeGreaterThanOrEqual(num('read_bytes'))
    expect(io?.writeBytes).toBeGreaterThanOrEqual(num('write_bytes'))
  })

  it('rejects text without the keys', () => {
    expect(parseIo('rchar: 1\nwchar: 2\n')).toBeUndefined()
  })

  it('throws ENOENT for a pid that does not exist (gone is the caller’s decision, not null)', () => {
    expect(() => readIo({ pid: 2 ** 30 })).toThrow(expect.objectContaining({ code: 'ENOENT' }))
  })
})
