import { describe, expect, it } from 'vitest'
import { LineTail } from '../../src/logs/line-tail.js'

describe('LineTail', () => {
  it('keeps the last `lines` lines', () => {
    const t = new LineTail({ lines: 2, maxBytes: 100 })
    for (const l of ['a', 'b', 'c']) t.push(l)
    expect(t.lines()).toEqual(['b', 'c'])
  })

  it('keeps at most `maxBytes` over all lines and cuts a longer line', () => {
    const t = new LineTail({ lines: 10, maxBytes: 5 })
    t.push('abc')
    t.push('de')
    expect(t.lines()).toEqual(['abc', 'de'])
    t.push('f')
    expect(t.lines()).toEqual(['de', 'f'])
    t.push('0123456789')
    expect(t.lines()).toEqual(['01234'])
  })

  it('splits text into lines, an unterminated last one included; lines: 0 keeps nothing', () => {
    const t = new LineTail({ lines: 5, maxBytes: 100 })
    t.pushText(Buffer.from('x\n\ny\nz'))
    expect(t.lines()).toEqual(['x', '', 'y', 'z'])
    const off = new LineTail({ lines: 0, maxBytes: 100 })
    off.push('x')
    expect(off.lines()).toEqual([])
  })
})
