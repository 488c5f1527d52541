import { describe, expect, it } from 'vitest'
import { ParseError } from '../../src/index.js'
import { parseListUnits, parseShowRecords, unitOf } from '../../src/systemd/parse.js'
import { LIST_UNITS, SHOW_UNITS } from './recorded.js'

const clock = { wallMs: 1_700_000_100_000, monotonicUs: 105_000_000 }

describe('systemctl show', () => {
  it('splits blank-line separated records and reads each unit: [not set] → null, monotonic stamps → ms since epoch', () => {
    const [nginx, nosuch] = parseShowRecords(SHOW_UNITS).map((r) => unitOf(r, clock))
    expect(nginx).toEqual({
      unit: 'nginx.service',
      description: 'A high performance web server and a reverse proxy server',
      loadState: 'loaded',
      activeState: 'active',
      subState: 'running',
      unitFileState: 'enabled',
      mainPid: 1234,
      restarts: 2,
      // 100 s of monotonic time before "now"
      startedAt: 1_700_000_000_000,
      activeSince: 1_700_000_000_100,
      memoryBytes: 8_388_608,
      cpuUsageMs: 1234.56789,
      tasks: 3,
    })
    expect(nosuch).toMatchObject({
      unit: 'nosuch.service',
      loadState: 'not-found',
      unitFileState: null,
      mainPid: null,
      startedAt: null,
      activeSince: null,
      memoryBytes: null,
      cpuUsageMs: null,
      tasks: null,
    })
  })

  it('falls back to the text timestamp when there is no monotonic one (UTC or @seconds; other zones → null)', () => {
    const at = (text: string) =>
      unitOf(
        new Map([
          ['Id', 'x.service'],
          ['ExecMainStartTimestamp', text],
        ]),
        clock,
      ).startedAt
    expect(at('Tue 2024-05-14 10:22:31 UTC')).toBe(Date.UTC(2024, 4, 14, 10, 22, 31))
    expect(at('@1715682151')).toBe(1_715_682_151_000)
    expect(at('Tue 2024-05-14 12:22:31 CEST')).toBeNull()
    expect(at('')).toBeNull()
  })

  it('rejects a line that is not Key=Value, and a record without Id', () => {
    expect(() => parseShowRecords('garbage\n')).toThrow(ParseError)
    expect(() => unitOf(new Map([['LoadState', 'loaded']]), clock)).toThrow(ParseError)
  })
})

describe('systemctl list-units', () => {
  it('reads each line, with or without the ● of failed and not-found units', () => {
    const units = parseListUnits(LIST_UNITS)
    expect(units.map((u) => u.unit)).toEqual([
      'cron.service',
      'nosuch.service',
      'nginx.service',
      'ssh.service',
    ])
    expect(units[2]).toEqual({
      unit: 'nginx.service',
      loadState: 'loaded',
      activeState: 'failed',
      subState: 'failed',
      description: 'A high performance web server and a reverse proxy server',
    })
    expect(parseListUnits('')).toEqual([])
  })
})
