export type Color = 'red' | 'yellow' | 'green' | 'dim'

/** A table cell: its text, and a color used only when the output is a terminal. */
export interface Cell {
  readonly text: string
  readonly color?: Color | undefined
}

export interface Column {
  readonly header: string
  /** Numbers align right. @default 'left' */
  readonly align?: 'left' | 'right'
}

const SGR: Record<Color, string> = { red: '31', yellow: '33', green: '32', dim: '2' }

/** `text` in `color` as an ANSI escape, or as is when `enabled` is false. */
export function paint(text: string, color: Color | undefined, enabled: boolean): string {
  return enabled && color !== undefined ? `\x1b[${SGR[color]}m${text}\x1b[0m` : text
}

/**
 * Rows under a header, columns two spaces apart and padded to their widest cell (measured in
 * code points, before any color), each line ending in `\n` without trailing spaces.
 */
export function renderTable(
  columns: readonly Column[],
  rows: readonly (string | Cell)[][],
  color: boolean,
): string {
  const cells = rows.map((row) => row.map((c): Cell => (typeof c === 'string' ? { text: c } : c)))
  const header = columns.map((c): Cell => ({ text: c.header, color: 'dim' }))
  const widths = columns.map((_, i) =>
    Math.max(...[header, ...cells].map((row) => width(row[i]?.text ?? ''))),
  )
  const line = (row: readonly Cell[]): string =>
    columns
      .map((column, i) => {
        const cell = row[i] ?? { text: '' }
        const pad = ' '.repeat(widths[i]! - width(cell.text))
        const text = paint(cell.text, cell.color, color)
        return column.align === 'right' ? pad + text : text + pad
      })
      .join('  ')
      .trimEnd()
  return [header, ...cells].map((row) => `${line(row)}\n`).join('')
}

function width(text: string): number {
  return [...text].length
}
