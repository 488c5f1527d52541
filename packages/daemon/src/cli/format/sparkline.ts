const BLOCKS = '▁▂▃▄▅▆▇█'

/**
 * One block per value, scaled from 0 to `max` (or the largest value when it is larger), a space
 * where there is no value: `▁▁▂█▇ ▁`. Values are ≥ 0 (CPU %, bytes).
 */
export function sparkline(values: readonly (number | null)[], max: number): string {
  const top = Math.max(max, ...values.map((v) => v ?? 0))
  return values
    .map((v) => {
      if (v === null) return ' '
      const level = top > 0 ? Math.round((Math.max(v, 0) / top) * (BLOCKS.length - 1)) : 0
      return BLOCKS[level]
    })
    .join('')
}
