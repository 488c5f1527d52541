import type { ResourceDataPoint } from '@warden/store'
import { describe, expect, it } from 'vitest'
import { ThresholdEvaluator } from '../../src/alerts/evaluator.js'
import type { ResourceThreshold } from '../../src/alerts/types.js'

const T0 = 1_700_000_000_000

function point(over: Partial<ResourceDataPoint> = {}): ResourceDataPoint {
  return {
    timestamp: T0,
    cpuPercent: 0,
    memoryRss: 10_000_000,
    memoryVms: 100_000_000,
    diskReadBytes: 0,
    diskWriteBytes: 0,
    openFiles: 4,
    threads: 1,
    ...over,
  }
}

/** An evaluator on a hand-driven clock. */
function setup() {
  let now = T0
  const ev = new ThresholdEvaluator({ now: () => now })
  return {
    ev,
    at: (ms: number) => {
      now = T0 + ms
    },
  }
}

const cpu80: ResourceThreshold = { cpuPercent: 80, durationMs: 1000 }

describe('ThresholdEvaluator timeline', () => {
  it('warns at t0, errors at t0+durationMs, reminds every repeatMs, then resolves', () => {
    const { ev, at } = setup()
    const th: ResourceThreshold = { cpuPercent: 80, durationMs: 1000, repeatMs: 500 }
    const levels: string[] = []
    const feed = (ms: number, cpu: number | null) => {
      at(ms)
      const out = ev.evaluate('a', th, point({ cpuPercent: cpu }))
      for (const e of out) levels.push(`${ms}:${e.level}`)
      return out
    }

    expect(feed(0, 50)).toEqual([])
    const [warning] = feed(100, 95)
    expect(warning).toEqual({
      agentId: 'a',
      resource: 'cpuPercent',
      level: 'warning',
      value: 95,
      threshold: 80,
      since: T0 + 100,
      exceededForMs: 0,
      durationMs: 1000,
      at: T0 + 100,
      repeat: 0,
      restart: false,
    })
    expect(feed(600, 99)).toEqual([]) // pending, no second warning
    expect(feed(1099, 99)).toEqual([]) // 999 ms < durationMs
    const [error] = feed(1100, 97)
    expect(error).toMatchObject({
      level: 'error',
      value: 97,
      since: T0 + 100,
      exceededForMs: 1000,
      repeat: 0,
    })
    expect(feed(1400, 97)).toEqual([]) // 300 ms since the error < repeatMs
    const [reminder] = feed(1600, 98)
    expect(reminder).toMatchObject({ level: 'error', exceededForMs: 1500, repeat: 1 })
    expect(feed(2100, 98)[0]).toMatchObject({ level: 'error', repeat: 2 })
    const [resolved] = feed(2200, 80) // at the line is not over it
    expect(resolved).toEqual({
      agentId: 'a',
      resource: 'cpuPercent',
      level: 'resolved',
      value: 80,
      threshold: 80,
      since: T0 + 100,
      exceededForMs: 2100,
      durationMs: 1000,
      at: T0 + 2200,
      reason: 'recovered',
      fired: true,
    })
    expect(feed(2300, 10)).toEqual([]) // resolved once
    expect(levels).toEqual(['100:warning', '1100:error', '1600:error', '2100:error', '2200:resolved'])
    expect(ev.openEpisodes('a')).toEqual([])
  })

  it('without repeatMs the error fires once per episode; a new episode warns again', () => {
    const { ev, at } = setup()
    const levels = (ms: number, cpu: number) => {
      at(ms)
      return ev.evaluate('a', cpu80, point({ cpuPercent: cpu })).map((e) => e.level)
    }
    expect(levels(0, 90)).toEqual(['warning'])
    expect(levels(1000, 90)).toEqual(['error'])
    expect(levels(60_000, 90)).toEqual([])
    expect(levels(61_000, 1)).toEqual(['resolved'])
    expect(levels(62_000, 90)).toEqual(['warning'])
  })

  it('a missing sample (null value or a skipped tick) does not reset the timer', () => {
    const { ev, at } = setup()
    at(0)
    expect(ev.evaluate('a', cpu80, point({ cpuPercent: 90 })).map((e) => e.level)).toEqual(['warning'])
    at(400)
    expect(ev.evaluate('a', cpu80, point({ cpuPercent: null }))).toEqual([])
    // 400..1200: no samples at all (skipped ticks)
    at(1200)
    const [error] = ev.evaluate('a', cpu80, point({ cpuPercent: 91 }))
    expect(error).toMatchObject({ level: 'error', since: T0, exceededForMs: 1200 })
  })

  it('a null threads sample (pidusage backend) is a missing sample: the timer keeps running', () => {
    const { ev, at } = setup()
    const th: ResourceThreshold = { threads: 10, durationMs: 1000 }
    at(0)
    expect(ev.evaluate('a', th, point({ threads: 20 })).map((e) => e.level)).toEqual(['warning'])
    at(600)
    expect(ev.evaluate('a', th, point({ threads: null }))).toEqual([])
    expect(ev.openEpisodes('a')).toEqual(['threads'])
    at(1000)
    const [error] = ev.evaluate('a', th, point({ threads: 21 }))
    expect(error).toMatchObject({ level: 'error', resource: 'threads', since: T0, exceededForMs: 1000 })
    // Null from the start opens nothing.
    expect(ev.evaluate('b', th, point({ threads: null }))).toEqual([])
    expect(ev.openEpisodes('b')).toEqual([])
  })

  it('a value missing from the start opens nothing; openFiles null is ignored', () => {
    const { ev, at } = setup()
    const th: ResourceThreshold = { openFiles: 2, cpuPercent: 50, durationMs: 0 }
    at(0)
    expect(ev.evaluate('a', th, point({ openFiles: null, cpuPercent: null }))).toEqual([])
    expect(ev.openEpisodes('a')).toEqual([])
  })

  it('never resolves an episode that never started', () => {
    const { ev, at } = setup()
    for (let ms = 0; ms < 5000; ms += 500) {
      at(ms)
      expect(ev.evaluate('a', cpu80, point({ cpuPercent: ms % 1000 === 0 ? 10 : 79 }))).toEqual([])
    }
    expect(ev.end('a', 'gone')).toEqual([])
  })

  it('durationMs 0 warns and errors on the same sample', () => {
    const { ev, at } = setup()
    at(5)
    const out = ev.evaluate('a', { threads: 3, durationMs: 0 }, point({ threads: 4 }))
    expect(out.map((e) => [e.level, e.resource, e.value, e.exceededForMs])).toEqual([
      ['warning', 'threads', 4, 0],
      ['error', 'threads', 4, 0],
    ])
  })

  it('an agent that goes away ends its open episodes with reason gone, not as a recovery', () => {
    const { ev, at } = setup()
    const th: ResourceThreshold = { cpuPercent: 80, memoryBytes: 1000, durationMs: 1000 }
    at(0)
    ev.evaluate('a', th, point({ cpuPercent: 90, memoryRss: 5000 }))
    ev.evaluate('b', th, point({ cpuPercent: 90, memoryRss: 10 }))
    at(1000)
    ev.evaluate('a', th, point({ cpuPercent: 90, memoryRss: 5000 }))
    at(1500)
    const gone = ev.end('a', 'gone')
    expect(gone).toEqual([
      expect.objectContaining({
        resource: 'cpuPercent',
        level: 'resolved',
        reason: 'gone',
        value: null,
        fired: true,
      }),
      expect.objectContaining({
        resource: 'memoryBytes',
        reason: 'gone',
        exceededForMs: 1500,
        at: T0 + 1500,
      }),
    ])
    expect(ev.end('a', 'gone')).toEqual([]) // once
    expect(ev.openEpisodes('b')).toEqual(['cpuPercent']) // other agents untouched
    expect([...ev.agents()]).toEqual(['b'])
    // A fresh process of the same agent starts a new episode with a new warning.
    at(2000)
    expect(ev.evaluate('a', th, point({ cpuPercent: 90 }))[0]).toMatchObject({
      level: 'warning',
      since: T0 + 2000,
    })
  })

  it('resources are independent episodes', () => {
    const { ev, at } = setup()
    const th: ResourceThreshold = { cpuPercent: 80, openFiles: 10, durationMs: 100 }
    at(0)
    expect(ev.evaluate('a', th, point({ cpuPercent: 90 })).map((e) => `${e.resource}:${e.level}`)).toEqual([
      'cpuPercent:warning',
    ])
    at(50)
    expect(
      ev.evaluate('a', th, point({ cpuPercent: 90, openFiles: 11 })).map((e) => `${e.resource}:${e.level}`),
    ).toEqual(['openFiles:warning'])
    at(120)
    expect(
      ev.evaluate('a', th, point({ cpuPercent: 1, openFiles: 11 })).map((e) => `${e.resource}:${e.level}`),
    ).toEqual(['cpuPercent:resolved'])
    at(150)
    expect(
      ev.evaluate('a', th, point({ cpuPercent: 1, openFiles: 11 })).map((e) => `${e.resource}:${e.level}`),
    ).toEqual(['openFiles:error'])
  })

  it('memoryBytes compares RSS', () => {
    const { ev } = setup()
    const out = ev.evaluate(
      'a',
      { memoryBytes: 1024, durationMs: 10 },
      point({ memoryRss: 2048, memoryVms: 1 }),
    )
    expect(out[0]).toMatchObject({ resource: 'memoryBytes', value: 2048, threshold: 1024 })
  })

  it("action 'restart' asks for one restart per episode, on the first error only", () => {
    const { ev, at } = setup()
    const th: ResourceThreshold = { memoryBytes: 1000, durationMs: 100, repeatMs: 100, action: 'restart' }
    const restarts = (ms: number, rss: number) => {
      at(ms)
      return ev
        .evaluate('a', th, point({ memoryRss: rss }))
        .map((e) => (e.level === 'resolved' ? 'r' : e.restart))
    }
    expect(restarts(0, 2000)).toEqual([false]) // warning
    expect(restarts(100, 2000)).toEqual([true]) // error -> restart
    expect(restarts(200, 2000)).toEqual([false]) // reminder, no second restart
    expect(restarts(300, 10)).toEqual(['r'])
    expect(restarts(400, 2000)).toEqual([false])
    expect(restarts(500, 2000)).toEqual([true]) // new episode, new restart
  })

  it('evaluating with no threshold ends open episodes as cleared', () => {
    const { ev } = setup()
    ev.evaluate('a', cpu80, point({ cpuPercent: 99 }))
    expect(ev.evaluate('a', undefined, point({ cpuPercent: 99 }))).toEqual([
      expect.objectContaining({ level: 'resolved', reason: 'cleared', fired: false }),
    ])
  })

  it('measures durations on the monotonic clock and labels events with the wall clock', () => {
    let wall = T0
    let mono = 0
    const ev = new ThresholdEvaluator({ now: () => wall, monotonic: () => mono })
    const th: ResourceThreshold = { cpuPercent: 80, durationMs: 1000, repeatMs: 1000 }
    const feed = (w: number, m: number) => {
      wall = T0 + w
      mono = m
      return ev.evaluate('a', th, point({ cpuPercent: 95 }))
    }
    expect(feed(0, 0).map((e) => e.level)).toEqual(['warning'])
    expect(feed(3_600_000, 500)).toEqual([]) // the wall clock jumped an hour: only 500 ms passed
    const [error] = feed(3_600_500, 1000)
    expect(error).toMatchObject({ level: 'error', since: T0, at: T0 + 3_600_500, exceededForMs: 1000 })
    expect(feed(3_601_000, 1500)).toEqual([])
    expect(feed(3_601_500, 2000)).toMatchObject([{ level: 'error', repeat: 1, exceededForMs: 2000 }])
    expect(ev.end('a', 'gone')).toMatchObject([{ exceededForMs: 2000, at: T0 + 3_601_500 }])
  })
})
