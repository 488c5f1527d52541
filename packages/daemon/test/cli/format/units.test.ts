import { describe, expect, it } from 'vitest'
import {
  formatBytes,
  formatDuration,
  formatPercent,
  formatTime,
  orDash,
} from '../../../src/cli/format/units.js'

describe('units', () => {
  it.each([
    [0, '0s'],
    [45_900, '45s'],
    [12 * 60_000 + 59_000, '12m'],
    [5 * 3_600_000 + 12 * 60_000, '5h12m'],
    [(3 * 24 + 4) * 3_600_000 + 59 * 60_000, '3d4h'],
    [400 * 86_400_000, '400d0h'],
  ])('formatDuration(%d) is %s', (ms, text) => expect(formatDuration(ms)).toBe(text))

  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [45.2 * 1024 ** 2, '45.2 MiB'],
    [1.5 * 1024 ** 3, '1.50 GiB'],
    [3 * 1024 ** 4, '3.00 TiB'],
  ])('formatBytes(%d) is %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text))

  it('formats percent, local times and missing values', () => {
    expect(formatPercent(0.25)).toBe('0.3%')
    expect(formatPercent(112)).toBe('112.0%')
    expect(formatTime(new Date(2025, 0, 31, 4, 5, 9).getTime())).toBe('2025-01-31 04:05:09')
    expect(orDash(null, String)).toBe('-')
    expect(orDash(undefined, String)).toBe('-')
    expect(orDash(0, String)).toBe('0')
  })
})
