import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ParseError } from '../../src/index.js'
import { parseLoadavg } from '../../src/procfs/loadavg.js'
import { parsePressure } from '../../src/procfs/pressure.js'

describe('parsePressure', () => {
  it('reads some and full lines', () => {
    const p = parsePressure(
      'some avg10=1.50 avg60=0.25 avg300=0.00 total=123456\nfull avg10=0.10 avg60=0.00 avg300=0.00 total=99\n',
      '/proc/pressure/io',
    )
    expect(p).toEqual({
      some: { avg10: 1.5, avg60: 0.25, avg300: 0, totalUs: 123456 },
      full: { avg10: 0.1, avg60: 0, avg300: 0, totalUs: 99 },
    })
  })

  it('has full: null for a kernel that prints only some (cpu before 5.13)', () => {
    expect(parsePressure('some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n', 'x').full).toBeNull()
  })

  it('rejects garbage', () => {
    expect(() => parsePressure('some avg10=x\n', '/proc/pressure/cpu')).toThrow(ParseError)
  })

  it.skipIf(!existsSync('/proc/pressure/cpu'))('parses the real /proc/pressure files (PSI present)', () => {
    for (const r of ['cpu', 'memory', 'io']) {
      const p = parsePressure(readFileSync(`/proc/pressure/${r}`, 'latin1'), r)
      expect(p.some.totalUs).toBeGreaterThanOrEqual(0)
    }
  })
})

describe('parseLoadavg', () => {
  it('reads the real /proc/loadavg', () => {
    const l = parseLoadavg(readFileSync('/proc/loadavg', 'latin1'))
    expect(l.one).toBeGreaterThanOrEqual(0)
    expect(l.tasks).toBeGreaterThan(0)
    expect(parseLoadavg('0.52 1.58 2.59 2/345 12345\n')).toEqual({
      one: 0.52,
      five: 1.58,
      fifteen: 2.59,
      runnable: 2,
      tasks: 345,
    })
  })
})
