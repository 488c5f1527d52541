import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createServer } from '../../src/index.js'
import { closeWardensAfterEach, idle, type Json, READ_TOKEN, startWarden } from '../helpers.js'

closeWardensAfterEach()

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
const uplotDist = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist')

describe('the dashboard’s files', () => {
  it('serves / and its assets without a token, with a strict CSP, and says whether a token is needed', async () => {
    const w = await startWarden({ startMonitor: false })
    const page = await w.get('/')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('content-security-policy')).toBe(CSP)
    expect(page.headers.get('x-content-type-options')).toBe('nosniff')
    expect(page.headers.get('referrer-policy')).toBe('no-referrer')
    const html = await page.text()
    expect(html).toContain('<html lang="en" data-auth="required">')
    // No inline script or style: every script and stylesheet is a file from this server.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son\w+=/i)
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
    expect(refs).toEqual(
      expect.arrayContaining(['/vendor/uplot.min.js', '/vendor/uplot.min.css', '/app/main.js']),
    )
    for (const ref of refs) {
      const res = await w.get(ref)
      expect(res.status, ref).toBe(200)
      expect(res.headers.get('content-security-policy'), ref).toBe(CSP)
    }
    // Every module the page imports is served too.
    const main = await (await w.get('/app/main.js')).text()
    for (const [, name] of main.matchAll(/from '\.\/([\w-]+\.js)'/g))
      expect((await w.get(`/app/${name}`)).status, name).toBe(200)

    const script = await w.get('/vendor/uplot.min.js')
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(Buffer.from(await script.arrayBuffer())).toEqual(
      readFileSync(join(uplotDist, 'uPlot.iife.min.js')),
    )
    const css = await w.get('/vendor/uplot.min.css')
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect(await css.text()).toBe(readFileSync(join(uplotDist, 'uPlot.min.css'), 'utf8'))

    const etag = script.headers.get('etag')!
    const again = await w.get('/vendor/uplot.min.js', undefined, { headers: { 'if-none-match': etag } })
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
  })

  it('tells the page no token is needed when auth is off', async () => {
    const w = await startWarden({ startMonitor: false, auth: false })
    expect(await (await w.get('/')).text()).toContain('data-auth="none"')
  })

  it('refuses a token or an unknown parameter in the query string, like every route', async () => {
    const w = await startWarden({ startMonitor: false })
    const token = await w.get(`/?token=${READ_TOKEN}`)
    expect(token.status).toBe(400)
    expect(await token.json()).toMatchObject({ code: 'ERR_SERVER_TOKEN_IN_QUERY', parameter: 'token' })
    const unknown = await w.get('/app/main.js?v=2')
    expect(unknown.status).toBe(400)
    expect(await unknown.json()).toMatchObject({ code: 'ERR_SERVER_INVALID_PARAMETER', parameter: 'v' })
    // A file that is not there is an unknown path: a token first, then 404.
    expect((await w.get('/app/nope.js')).status).toBe(401)
    expect((await w.get('/app/nope.js', READ_TOKEN)).status).toBe(404)
    expect((await w.get('/app/../package.json', READ_TOKEN)).status).toBe(404)
  })

  it('has no / routes with `dashboard: false`', async () => {
    const w = await startWarden({ startMonitor: false, server: { dashboard: false } })
    expect((await w.get('/')).status).toBe(401)
    const res = await w.get('/', READ_TOKEN)
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ code: 'ERR_SERVER_NOT_FOUND' })
    expect((await w.get('/vendor/uplot.min.js', READ_TOKEN)).status).toBe(404)
  })

  it('validates `dashboard` and `keptEvents` like every option', async () => {
    const w = await startWarden({ startMonitor: false })
    const base = { supervisor: w.supervisor, monitor: w.monitor, auth: false } as const
    const invalid = (extra: object) => () => createServer({ ...base, ...extra })
    expect(invalid({ dashboard: 'yes' })).toThrow(
      expect.objectContaining({
        code: 'ERR_WARDEN_INVALID_OPTION',
        message: 'Expected `dashboard` to be a boolean, got "yes" (string)',
      }),
    )
    for (const keptEvents of [0, 1.5, 100_001, '10'])
      expect(invalid({ keptEvents }), String(keptEvents)).toThrow(
        /Expected `keptEvents` to be an integer from 1 to 100000/,
      )
    expect(invalid({ dashbaord: false })).toThrow(/Unknown key `dashbaord`/)
  })
})

describe('GET /v1/events/recent', () => {
  it('answers the kept events with the time the server saw them, by agent and since a time', async () => {
    const w = await startWarden({ agents: [idle('a'), idle('b')], startMonitor: false })
    const t0 = Date.now()
    expect((await w.post('/v1/agents/a/restart', 'control-token-0123456789abcdef')).status).toBe(200)
    const t1 = Date.now()
    expect((await w.post('/v1/agents/b/stop', 'control-token-0123456789abcdef')).status).toBe(200)

    expect((await w.get('/v1/events/recent')).status).toBe(401)
    const all = (await (await w.get('/v1/events/recent', READ_TOKEN)).json()) as Json
    expect(all.keep).toBe(1000)
    const names = all.events.map((e: Json) => `${e.agent} ${e.event}`)
    expect(names).toEqual(expect.arrayContaining(['a agent:exit', 'a agent:start', 'b agent:exit']))
    const ids = all.events.map((e: Json) => e.id)
    expect(ids).toEqual([...ids].sort((x, y) => x - y))
    expect(all.lastId).toBe(ids.at(-1))
    expect(all.keptSince).toBe(all.events[0].time)
    const start = all.events.find((e: Json) => e.event === 'agent:start')
    expect(start.time).toBeGreaterThanOrEqual(t0)
    expect(start.time).toBeLessThanOrEqual(t1)
    expect(start.data).toMatchObject({ id: 'a', pid: w.supervisor.get('a')!.pid, restartCount: 1 })

    const onlyB = (await (await w.get('/v1/events/recent?agent=b', READ_TOKEN)).json()) as Json
    expect(onlyB.events.length).toBeGreaterThan(0)
    expect(onlyB.events.every((e: Json) => e.agent === 'b')).toBe(true)
    const since = all.events.find((e: Json) => e.agent === 'b').time
    const later = (await (await w.get(`/v1/events/recent?since=${since}`, READ_TOKEN)).json()) as Json
    expect(later.events.every((e: Json) => e.time >= since)).toBe(true)
    expect(later.events.some((e: Json) => e.agent === 'a' && e.event === 'agent:start')).toBe(
      start.time >= since,
    )
    const lastHour = (await (await w.get('/v1/events/recent?since=1h', READ_TOKEN)).json()) as Json
    expect(lastHour.events).toEqual(all.events)

    for (const [query, parameter] of [
      ['since=yesterday', 'since'],
      ['agent=a/b', 'agent'],
      ['limit=5', 'limit'],
    ]) {
      const res = await w.get(`/v1/events/recent?${query}`, READ_TOKEN)
      expect(res.status, query).toBe(400)
      expect(await res.json()).toMatchObject({ code: 'ERR_SERVER_INVALID_PARAMETER', parameter })
    }
  })

  it('keeps `keptEvents` events: the oldest go, and keptSince says how far back the answer reaches', async () => {
    const w = await startWarden({ agents: [idle('a')], startMonitor: false, server: { keptEvents: 3 } })
    expect((await w.post('/v1/agents/a/restart', 'control-token-0123456789abcdef')).status).toBe(200)
    const recent = (await (await w.get('/v1/events/recent', READ_TOKEN)).json()) as Json
    expect(recent.keep).toBe(3)
    expect(recent.events).toHaveLength(3)
    expect(recent.events.at(-1).id).toBe(recent.lastId)
    expect(recent.events[0].id).toBe(recent.lastId - 2)
    expect(recent.keptSince).toBe(recent.events[0].time)
  })
})

describe('history for the dashboard', () => {
  it('`fields` keeps only the named columns of /v1/agents/:id/history, raw and in buckets', async () => {
    const w = await startWarden({ agents: [idle('a')], startMonitor: false })
    await w.monitor.collectOnce()
    await w.monitor.collectOnce()
    const get = async (q: string): Promise<Json> =>
      (await (await w.get(`/v1/agents/a/history?${q}`, READ_TOKEN)).json()) as Json
    const raw = await get('fields=cpuPercent,diskRead')
    expect(raw.points).toHaveLength(2)
    for (const p of raw.points) expect(Object.keys(p)).toEqual(['timestamp', 'cpuPercent', 'diskReadBytes'])
    const full = await get('')
    expect(raw.points[1]).toEqual({
      timestamp: full.points[1].timestamp,
      cpuPercent: full.points[1].cpuPercent,
      diskReadBytes: full.points[1].diskReadBytes,
    })
    const buckets = await get('interval=1h&fields=memoryRss,diskWrite')
    expect(Object.keys(buckets.buckets[0])).toEqual(['start', 'end', 'count', 'memoryRss', 'diskWriteRate'])
    expect(buckets.buckets[0].memoryRss).toEqual((await get('interval=1h')).buckets[0].memoryRss)
    const bad = await w.get('/v1/agents/a/history?fields=cpu', READ_TOKEN)
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ code: 'ERR_SERVER_INVALID_PARAMETER', parameter: 'fields' })
  })

  it('/v1/history/agents answers every agent’s buckets as columns of averages, the same as each agent’s route', async () => {
    const w = await startWarden({ agents: [idle('a'), idle('b')], startMonitor: false })
    await w.monitor.collectOnce()
    await w.monitor.collectOnce()
    const all = (await (await w.get('/v1/history/agents?since=1h&interval=1m', READ_TOKEN)).json()) as Json
    expect(all).toMatchObject({ intervalMs: 60_000, until: null })
    expect(all.agents.map((a: Json) => a.agent)).toEqual(['a', 'b'])
    for (const entry of all.agents) {
      const one = (await (
        await w.get(`/v1/agents/${entry.agent}/history?since=1h&interval=1m`, READ_TOKEN)
      ).json()) as Json
      expect(entry.tier).toBe(one.tier)
      expect(entry.start).toEqual(one.buckets.map((b: Json) => b.start))
      expect(entry.count).toEqual(one.buckets.map((b: Json) => b.count))
      expect(entry.cpuPercent).toEqual(one.buckets.map((b: Json) => b.cpuPercent.avg))
      expect(entry.memoryRss).toEqual(one.buckets.map((b: Json) => b.memoryRss.avg))
      expect(entry.diskReadRate).toEqual(one.buckets.map((b: Json) => b.diskReadRate))
    }
    const some = (await (
      await w.get('/v1/history/agents?interval=1m&fields=cpuPercent,memoryRss', READ_TOKEN)
    ).json()) as Json
    expect(Object.keys(some.agents[0])).toEqual([
      'agent',
      'tier',
      'coveredSince',
      'start',
      'count',
      'cpuPercent',
      'memoryRss',
    ])
    expect((await w.get('/v1/history/agents?interval=1m')).status).toBe(401)
    const noInterval = await w.get('/v1/history/agents', READ_TOKEN)
    expect(noInterval.status).toBe(400)
    expect(await noInterval.json()).toMatchObject({ parameter: 'interval' })
  })
})
