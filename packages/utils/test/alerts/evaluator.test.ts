import { describe, expect, it } from 'vitest'
import { ThresholdEvaluator } from '../../src/alerts/evaluator.js'
import type { ThresholdLines } from '../../src/alerts/types.js'

const T0 = 1_700_000_000_000

/** A sample of two made-up resources; null is a reading the sample lacks. */
interface Reading {
  readonly load: number | null
  readonly temp: number | null
}

/** An evaluator over `Reading`, keyed by `subject`, on a hand-driven clock. */
function setup() {
  let now = T0
  const ev = new ThresholdEvaluator<'load' | 'temp', Reading, 'subject'>({
    key: 'subject',
    resources: { load: (r) => r.load, temp: (r) => r.temp },
    now: () => now,
  })
  const feed = (
    ms: number,
    th: ThresholdLines<'load' | 'temp'> | undefined,
    load: number | null,
    temp: number | null = 0,
  ) => {
    now = T0 + ms
    return ev.evaluate('host', th, { load, temp })
  }
  return { ev, feed }
}

const load4: ThresholdLines<'load' | 'temp'> = { load: 4, durationMs: 1000 }

describe('ThresholdEvaluator (generic)', () => {
  it('warns, errors after durationMs, reminds every repeatMs, resolves as recovered; payloads name the subject by `key`', () => {
    const { ev, feed } = setup()
    const th = { load: 4, durationMs: 1000, repeatMs: 500 }
    expect(feed(0, th, 1)).toEqual([])
    expect(feed(100, th, 5)).toEqual([
      {
        subject: 'host',
        resource: 'load',
        level: 'warning',
        value: 5,
        threshold: 4,
        since: T0 + 100,
        exceededForMs: 0,
        durationMs: 1000,
        at: T0 + 100,
        repeat: 0,
        restart: false,
      },
    ])
    expect(ev.openAlerts()).toEqual([
      {
        subject: 'host',
        resource: 'load',
        level: 'warning',
        threshold: 4,
        since: T0 + 100,
        durationMs: 1000,
        repeat: 0,
      },
    ])
    expect(feed(1099, th, 6)).toEqual([])
    expect(feed(1100, th, 6)).toMatchObject([{ level: 'error', value: 6, exceededForMs: 1000, repeat: 0 }])
    expect(feed(1599, th, 6)).toEqual([])
    expect(feed(1600, th, 7)).toMatchObject([{ level: 'error', repeat: 1, exceededForMs: 1500 }])
    expect(ev.openAlerts('host')).toMatchObject([{ level: 'error', repeat: 1 }])
    expect(feed(1700, th, 4)).toEqual([
      {
        subject: 'host',
        resource: 'load',
        level: 'resolved',
        value: 4,
        threshold: 4,
        since: T0 + 100,
        exceededForMs: 1600,
        durationMs: 1000,
        at: T0 + 1700,
        reason: 'recovered',
        fired: true,
      },
    ])
    expect(ev.openAlerts()).toEqual([])
    expect([...ev.subjects()]).toEqual([])
  })

  it('durationMs 0 warns and errors on the same sample', () => {
    const { feed } = setup()
    expect(feed(0, { temp: 80, durationMs: 0 }, null, 81).map((e) => `${e.resource}:${e.level}`)).toEqual([
      'temp:warning',
      'temp:error',
    ])
  })

  it('a missing value neither opens nor resolves an episode, and the timer keeps running', () => {
    const { ev, feed } = setup()
    expect(feed(0, load4, null)).toEqual([])
    expect(ev.openEpisodes('host')).toEqual([])
    expect(feed(100, load4, 9).map((e) => e.level)).toEqual(['warning'])
    expect(feed(600, load4, null)).toEqual([])
    expect(ev.openEpisodes('host')).toEqual(['load'])
    expect(feed(1100, load4, 9)).toMatchObject([{ level: 'error', since: T0 + 100, exceededForMs: 1000 }])
  })

  it('resources are independent episodes, evaluated in the order the readers were given', () => {
    const { feed } = setup()
    const th = { temp: 70, load: 4, durationMs: 100 }
    expect(feed(0, th, 5, 75).map((e) => `${e.resource}:${e.level}`)).toEqual([
      'load:warning',
      'temp:warning',
    ])
    expect(feed(50, th, 1, 75).map((e) => `${e.resource}:${e.level}`)).toEqual(['load:resolved'])
    expect(feed(100, th, 1, 75).map((e) => `${e.resource}:${e.level}`)).toEqual(['temp:error'])
  })

  it('no threshold ends the episodes as cleared; end() as gone; each only once', () => {
    const { ev, feed } = setup()
    feed(0, load4, 9)
    expect(feed(10, undefined, 9)).toEqual([
      expect.objectContaining({
        subject: 'host',
        level: 'resolved',
        reason: 'cleared',
        value: null,
        fired: false,
      }),
    ])
    expect(feed(20, undefined, 9)).toEqual([])
    feed(30, load4, 9)
    feed(1030, load4, 9)
    expect(ev.end('host', 'gone')).toEqual([
      expect.objectContaining({
        reason: 'gone',
        value: null,
        fired: true,
        exceededForMs: 1000,
        at: T0 + 1030,
      }),
    ])
    expect(ev.end('host', 'gone')).toEqual([])
  })

  it("action 'restart' marks the first error of an episode only", () => {
    const { feed } = setup()
    const th = { load: 4, durationMs: 0, repeatMs: 10, action: 'restart' as const }
    expect(feed(0, th, 5).map((e) => e.level !== 'resolved' && e.restart)).toEqual([false, true])
    expect(feed(10, th, 5).map((e) => e.level !== 'resolved' && e.restart)).toEqual([false])
  })

  it('measures durations on the monotonic clock and labels events with the wall clock', () => {
    let wall = T0
    let mono = 0
    const ev = new ThresholdEvaluator<'load', Reading, 'subject'>({
      key: 'subject',
      resources: { load: (r) => r.load },
      now: () => wall,
      monotonic: () => mono,
    })
    const feed = (w: number, m: number) => {
      wall = T0 + w
      mono = m
      return ev.evaluate('host', load4, { load: 9, temp: null })
    }
    expect(feed(0, 0).map((e) => e.level)).toEqual(['warning'])
    expect(feed(3_600_000, 500)).toEqual([]) // the wall clock stepped an hour; 500 ms passed
    expect(feed(3_600_500, 1000)).toMatchObject([
      { level: 'error', since: T0, at: T0 + 3_600_500, exceededForMs: 1000 },
    ])
  })

  it('keeps subjects apart', () => {
    let now = T0
    const ev = new ThresholdEvaluator<'load', Reading, 'subject', 'a' | 'b'>({
      key: 'subject',
      resources: { load: (r) => r.load },
      now: () => now,
    })
    ev.evaluate('a', load4, { load: 9, temp: null })
    ev.evaluate('b', load4, { load: 9, temp: null })
    now += 5
    expect(ev.end('a', 'gone')).toMatchObject([{ subject: 'a' }])
    expect([...ev.subjects()]).toEqual(['b'])
    expect(ev.openAlerts()).toMatchObject([{ subject: 'b', resource: 'load', level: 'warning' }])
  })
})
