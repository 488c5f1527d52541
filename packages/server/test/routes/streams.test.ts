import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  CONTROL_TOKEN,
  closeWardensAfterEach,
  idle,
  type Json,
  READ_TOKEN,
  SseReader,
  startWarden,
  until,
} from '../helpers.js'

closeWardensAfterEach()

describe('GET /v1/events', () => {
  it('delivers a real restart as it happens: the API restart, then a crash and the supervisor restart', async () => {
    const w = await startWarden({ agents: [idle('a'), idle('b')] })
    const all = new SseReader(await w.get('/v1/events', READ_TOKEN))
    const onlyB = new SseReader(await w.get('/v1/events?agent=b', READ_TOKEN))
    const res = await w.get('/v1/events', READ_TOKEN)
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    await res.body!.cancel()

    const before = w.supervisor.get('a')!.pid!
    expect((await w.post('/v1/agents/a/restart', CONTROL_TOKEN)).status).toBe(200)
    const exit = await all.waitFor((e) => e.event === 'agent:exit', 5000, 'agent:exit')
    expect(JSON.parse(exit.data)).toMatchObject({ id: 'a', pid: before, expected: true })
    const start = await all.waitFor((e) => e.event === 'agent:start' && JSON.parse(e.data).pid !== before)
    expect(JSON.parse(start.data)).toMatchObject({ id: 'a', pid: w.supervisor.get('a')!.pid })
    expect(Number(start.id)).toBeGreaterThan(Number(exit.id))

    // A crash: our own agent process killed; the supervisor restarts it after its backoff.
    const crashed = w.supervisor.get('b')!.pid!
    process.kill(crashed, 'SIGKILL')
    const restart = await onlyB.waitFor((e) => e.event === 'agent:restart', 5000, 'agent:restart of b')
    expect(JSON.parse(restart.data)).toMatchObject({ id: 'b', attempt: 1 })
    const crashExit = onlyB.events.find((e) => e.event === 'agent:exit')!
    expect(JSON.parse(crashExit.data)).toMatchObject({
      id: 'b',
      pid: crashed,
      signal: 'SIGKILL',
      expected: false,
    })
    await onlyB.waitFor((e) => e.event === 'agent:start', 5000, 'agent:start of b')
    expect(onlyB.events.every((e) => JSON.parse(e.data).id === 'b')).toBe(true)
    await all.waitFor((e) => e.event === 'agent:restart')

    // A client that reconnects with Last-Event-ID gets what it missed.
    const resumed = new SseReader(
      await w.get('/v1/events', READ_TOKEN, { headers: { 'last-event-id': exit.id! } }),
    )
    const replayed = await resumed.waitFor((e) => e.id === start.id)
    expect(resumed.events[0]!.id).toBe(String(Number(exit.id) + 1))
    expect(replayed.event).toBe('agent:start')
    await Promise.all([all.close(), onlyB.close(), resumed.close()])
  })

  it('delivers alert events, and ends open streams when the server closes', async () => {
    const w = await startWarden({ agents: [idle('a')] })
    const events = new SseReader(await w.get('/v1/events', READ_TOKEN))
    w.monitor.setThreshold('a', { memoryBytes: 1, durationMs: 0 })
    await w.monitor.collectOnce()
    const warning = await events.waitFor((e) => e.event === 'threshold:warning')
    expect(JSON.parse(warning.data)).toMatchObject({
      agentId: 'a',
      resource: 'memoryBytes',
      level: 'warning',
    })
    await events.waitFor((e) => e.event === 'threshold:error')
    await w.app.close()
    await until(() => events.done, 5000, 'the stream to end')
  })

  it('refuses more than maxStreams open streams with a 503', async () => {
    const w = await startWarden({ startMonitor: false, server: { maxStreams: 1 } })
    const first = new SseReader(await w.get('/v1/events', READ_TOKEN))
    const second = await w.get('/v1/events', READ_TOKEN)
    expect(second.status).toBe(503)
    expect(await second.json()).toMatchObject({ code: 'ERR_SERVER_TOO_MANY_STREAMS' })
    await first.close()
  })
})

describe('GET /v1/agents/:id/logs', () => {
  it('answers the last lines, then follows new ones as Server-Sent Events', async () => {
    const w = await startWarden({ startMonitor: false, server: { logPollMs: 20 } })
    const out = join(w.dir, 'talker.log')
    w.supervisor.add(
      idle('talker', {
        args: ['-e', 'let n = 0; setInterval(() => console.log("line " + ++n), 20)'],
        logs: { stdout: out },
      }),
    )
    await w.supervisor.start('talker')
    const lineNo = (l: string): number => Number(l.slice(5))
    const tail = await until(async () => {
      const body = (await (await w.get('/v1/agents/talker/logs?lines=3', READ_TOKEN)).json()) as Json
      return body.lines.length === 3 && lineNo(body.lines[0]) >= 5 ? body : undefined
    })
    expect(tail).toMatchObject({ agent: 'talker', stream: 'stdout' })
    const [l0, l1, l2] = tail.lines.map(lineNo)
    expect([l1 - l0, l2 - l1]).toEqual([1, 1])

    const follow = new SseReader(await w.get('/v1/agents/talker/logs?lines=2&follow=true', READ_TOKEN))
    await until(
      () => follow.events.flatMap((e) => JSON.parse(e.data).lines ?? []).length >= 20,
      10_000,
      '20 lines',
    )
    const lines: string[] = follow.events
      .filter((e) => e.event === 'lines')
      .flatMap((e) => JSON.parse(e.data).lines)
    const numbers = lines.map(lineNo)
    // The two tail lines, then every line after them, in order, none twice.
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i))
    await follow.close()

    const err = await w.get('/v1/agents/talker/logs?stream=stderr', READ_TOKEN)
    expect(err.status).toBe(404)
    expect(await err.json()).toMatchObject({ code: 'ERR_SERVER_LOGS_NOT_CONFIGURED' })
  })
})

describe('GET /v1/agents/:id/history', () => {
  it('answers raw points, then a rollup tier once raw points no longer reach back, with and without interval', async () => {
    const w = await startWarden({
      agents: [idle('a')],
      monitor: { intervalMs: 100 },
      history: { maxSize: 5, tiers: [{ intervalMs: 500, size: 100 }] },
    })
    const first = (await (await w.get('/v1/agents/a/history', READ_TOKEN)).json()) as Json
    expect(first).toMatchObject({
      agent: 'a',
      tier: 'raw',
      coveredSince: null,
      intervalMs: null,
      since: null,
    })
    expect(first.points.length).toBeGreaterThanOrEqual(1)
    const start = first.points[0].timestamp as number
    expect(first.points[0]).toMatchObject({ memoryRss: expect.any(Number), threads: expect.any(Number) })

    // Enough ticks to push the first points out of the 5 raw slots and fill two 500 ms buckets.
    await until(
      async () => (await w.store.get('a'))!.resourceUsage.range()[0]!.timestamp > start + 1000,
      15_000,
    )
    const recent = (await (await w.get('/v1/agents/a/history?since=300ms', READ_TOKEN)).json()) as Json
    expect(recent.tier).toBe('raw')
    expect(recent.points.length).toBeGreaterThanOrEqual(1)
    expect(recent.points.length).toBeLessThanOrEqual(5)

    const old = (await (await w.get(`/v1/agents/a/history?since=${start}`, READ_TOKEN)).json()) as Json
    expect(old).toMatchObject({ tier: 500, since: start, intervalMs: null })
    expect(old.coveredSince).toBeNull()
    expect(old.points.length).toBeGreaterThanOrEqual(2)
    for (const p of old.points) expect(p.timestamp % 500).toBe(0)

    const buckets = (await (
      await w.get(`/v1/agents/a/history?since=${start}&interval=1s`, READ_TOKEN)
    ).json()) as Json
    expect(buckets).toMatchObject({ tier: 500, intervalMs: 1000 })
    expect(buckets.points).toBeUndefined()
    expect(buckets.buckets.length).toBeGreaterThanOrEqual(1)
    expect(buckets.buckets[0]).toMatchObject({
      start: expect.any(Number),
      end: expect.any(Number),
      count: expect.any(Number),
      memoryRss: { avg: expect.any(Number), min: expect.any(Number), max: expect.any(Number) },
    })
    for (const b of buckets.buckets) expect(b.start % 1000).toBe(0)

    const rawBuckets = (await (
      await w.get('/v1/agents/a/history?since=400ms&interval=100ms', READ_TOKEN)
    ).json()) as Json
    expect(rawBuckets).toMatchObject({ tier: 'raw', intervalMs: 100 })
  })
})
