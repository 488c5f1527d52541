import { describe, expect, it } from 'vitest'
import { renderTable } from '../../../src/cli/format/table.js'

const COLUMNS = [{ header: 'AGENT' }, { header: 'PID', align: 'right' }, { header: 'CPU 1H' }] as const

describe('renderTable', () => {
  it('pads columns to the widest cell, numbers right, no trailing spaces', () => {
    const text = renderTable(
      COLUMNS,
      [
        ['web', '1234', '▁▂█'],
        ['a-longer-id', '7', ''],
      ],
      false,
    )
    expect(text).toBe(
      ['AGENT         PID  CPU 1H', 'web          1234  ▁▂█', 'a-longer-id     7', ''].join('\n'),
    )
  })

  it('colors cells only when asked, measuring widths without the escapes', () => {
    const rows = [[{ text: 'web', color: 'green' as const }, '1', 'x']]
    expect(renderTable(COLUMNS, rows, false)).not.toContain('\x1b[')
    const colored = renderTable(COLUMNS, rows, true)
    expect(colored).toContain('\x1b[32mweb\x1b[0m    ')
    expect(colored).toContain('\x1b[2mAGENT\x1b[0m')
  })
})
