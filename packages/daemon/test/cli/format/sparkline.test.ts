import { describe, expect, it } from 'vitest'
import { sparkline } from '../../../src/cli/format/sparkline.js'

describe('sparkline', () => {
  it('scales 0..max to the eight blocks, a space where there is no value', () => {
    expect(sparkline([0, 12.5, 25, 50, 75, 100, null, 0], 100)).toBe('▁▂▃▅▆█ ▁')
  })

  it('scales to the largest value when it is above max (more than one core)', () => {
    expect(sparkline([0, 100, 200], 100)).toBe('▁▅█')
  })

  it('is all low blocks for an idle series and empty for none', () => {
    expect(sparkline([0, 0], 0)).toBe('▁▁')
    expect(sparkline([], 100)).toBe('')
  })
})
