import { existsSync } from 'node:fs'
import { hostname } from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONTROL_TOKEN, idle, type Json, READ_TOKEN, startWarden, type Warden } from '../helpers.js'

// One node for the whole file: the routes only read it (control is tested on its own agent).
let w: Warden
beforeAll(async () => {
  w = await startWarden({
    agents: [
      idle('a', { labels: { team: 'web' }, env: { SECRET_ENV: 'do-not-serve' } }),
      idle('b'),
      idle('c'),
    ],
    host: { intervalMs: 60_000, gpu: 'off', systemd: false, disks: { mountPoints: ['/'] } },
  })
  w.monitor.setThreshold('a', { memoryBytes: 1, durationMs: 0 })
  await w.monitor.collectOnce()
})
afterAll(async () => w.close())

const json = async (res: Response): Promise<Json> => (await res.json()) as Json

/** Every error answer has exactly this shape. */
function expectErrorBody(body: Json, status: number, code: string, parameter?: string): void {
  const keys = ['statusCode', 'error', 'code', 'message', ...(parameter === undefined ? [] : ['parameter'])]
  expect(Object.keys(body).sort()).toEqual(keys.sort())
  expect(body).toMatchObject({ statusCode: status, code })
  expect(body.error.length).toBeGreaterThan(0)
  if (parameter !== undefined) {
    expect(body.parameter).toBe(parameter)
    expect(body.message).toContain(`\`${parameter}\``)
  }
}

describe('GET /v1/snapshot', () => {
  it('holds the node, the time, every host collector and every agent with its state, point and open alerts', async () => {
    const before = Date.now()
    const s = await json(await w.get('/v1/snapshot', READ_TOKEN))
    expect(s.node).toEqual({ id: hostname() })
    expect(s.time).toBeGreaterThanOrEqual(before)
    expect(Object.keys(s.host.collectors).sort()).toEqual(['cpu', 'disks', 'memory', 'temperature'])
    expect(s.host.collectors.memory).toMatchObject({ ok: true, data: { totalBytes: expect.any(Number) } })
    expect(s.agents.map((a: Json) => a.id)).toEqual(['a', 'b', 'c'])
    const a = s.agents[0]
    const info = w.supervisor.get('a')!
    expect(a).toMatchObject({
      id: 'a',
      status: 'running',
      pid: info.pid,
      startTime: info.startTime,
      restarts: 0,
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1e9)'],
      labels: { team: 'web' },
      latest: { memoryRss: w.monitor.latest('a')!.memoryRss, timestamp: w.monitor.latest('a')!.timestamp },
      cpuSeconds: { user: expect.any(Number), system: expect.any(Number) },
    })
    expect(a.uptimeMs).toBeGreaterThanOrEqual(0)
    expect(a.alerts).toEqual([
      expect.objectContaining({
        resource: 'memoryBytes',
        level: 'error',
        threshold: 1,
        value: expect.any(Number),
      }),
    ])
    expect(s.agents[1].alerts).toEqual([])
    // The spec's env is never served.
    expect(JSON.stringify(s)).not.toContain('do-not-serve')
  })
})

describe('agents', () => {
  it('lists every agent and answers one; an unknown agent is a 404 naming it', async () => {
    const list = await json(await w.get('/v1/agents', READ_TOKEN))
    expect(list.agents.map((a: Json) => [a.id, a.status])).toEqual([
      ['a', 'running'],
      ['b', 'running'],
      ['c', 'running'],
    ])
    const one = await json(await w.get('/v1/agents/b', READ_TOKEN))
    expect(one.agent).toMatchObject({ id: 'b', pid: w.supervisor.get('b')!.pid })
    for (const path of ['/v1/agents/nope', '/v1/agents/nope/history', '/v1/agents/nope/logs']) {
      const res = await w.get(path, READ_TOKEN)
      expect(res.status, path).toBe(404)
      const body = await json(res)
      expectErrorBody(body, 404, 'ERR_SERVER_AGENT_NOT_FOUND')
      expect(body.message).toContain('"nope"')
    }
    const res = await w.post('/v1/agents/nope/restart', CONTROL_TOKEN)
    expectErrorBody(await json(res), 404, 'ERR_SERVER_AGENT_NOT_FOUND')
  })

  it('stops, starts and restarts an agent with a control token, answering its new state', async () => {
    const stopped = await json(await w.post('/v1/agents/c/stop', CONTROL_TOKEN))
    expect(stopped.agent).toMatchObject({ id: 'c', status: 'stopped', pid: null, uptimeMs: null })
    const started = await json(await w.post('/v1/agents/c/start', CONTROL_TOKEN))
    expect(started.agent).toMatchObject({ id: 'c', status: 'running', pid: expect.any(Number) })
    const pid = started.agent.pid
    const restarted = await json(await w.post('/v1/agents/c/restart', CONTROL_TOKEN))
    expect(restarted.agent).toMatchObject({ id: 'c', status: 'running' })
    expect(restarted.agent.pid).not.toBe(pid)
    expect(w.log.text).toMatch(/"agent":"c","action":"restart","token":"operator"/)
  })
})

describe('parameters', () => {
  const cases: [path: string, parameter: string][] = [
    ['/v1/agents/bad%20id', 'id'],
    [`/v1/agents/${'x'.repeat(129)}`, 'id'],
    ['/v1/agents?limit=3', 'limit'],
    ['/v1/snapshot?verbose=1', 'verbose'],
    ['/v1/agents/a/history?interval=abc', 'interval'],
    ['/v1/agents/a/history?interal=1m', 'interal'],
    ['/v1/agents/a/history?interval=0', 'interval'],
    ['/v1/agents/a/history?since=yesterday', 'since'],
    ['/v1/agents/a/history?since=2000&until=1000', 'since'],
    ['/v1/agents/a/logs?lines=0', 'lines'],
    ['/v1/agents/a/logs?lines=100001', 'lines'],
    ['/v1/agents/a/logs?lines=ten', 'lines'],
    ['/v1/agents/a/logs?stream=both', 'stream'],
    ['/v1/agents/a/logs?follow=maybe', 'follow'],
    ['/v1/events?agent=no%20such', 'agent'],
    ['/v1/host/history?collector=fans', 'collector'],
    ['/metrics?name=x', 'name'],
  ]
  it.each(cases)('%s is a 400 naming `%s`', async (path, parameter) => {
    const res = await w.get(path, READ_TOKEN)
    expect(res.status).toBe(400)
    expectErrorBody(await json(res), 400, 'ERR_SERVER_INVALID_PARAMETER', parameter)
  })

  it('an unknown control action is a 400 naming `action`; an unknown route a 404 of the same shape', async () => {
    const res = await w.post('/v1/agents/a/explode', CONTROL_TOKEN)
    expectErrorBody(await json(res), 400, 'ERR_SERVER_INVALID_PARAMETER', 'action')
    const missing = await w.get('/v1/nothing-here?x=1', READ_TOKEN)
    expect(missing.status).toBe(404)
    const body = await json(missing)
    expectErrorBody(body, 404, 'ERR_SERVER_NOT_FOUND')
    expect(body.message).toBe('No route GET /v1/nothing-here')
  })

  it('a stream that has no log file is a 404 of its own', async () => {
    const res = await w.get('/v1/agents/a/logs', READ_TOKEN)
    expectErrorBody(await json(res), 404, 'ERR_SERVER_LOGS_NOT_CONFIGURED')
  })
})

describe('health, readiness and services', () => {
  it('reports the monitor and every collector, with the HTTP status saying whether the node is healthy', async () => {
    const res = await fetch(`${w.url}/v1/health`)
    expect(res.status).toBe(200)
    const h = await json(res)
    expect(h.status).toMatch(/^(ok|degraded)$/)
    expect(h.monitor).toMatchObject({ ok: true, running: true, intervalMs: 60_000, stale: false })
    expect(h.monitor.lastTickAt).toBeGreaterThan(0)
    expect(h.monitor.tickAgeMs).toBeGreaterThanOrEqual(0)
    expect(h.monitor.lastSuccessAt).toBeGreaterThan(0)
    expect(h.host).toMatchObject({ ok: true, running: true })
    expect(h.collectors.memory).toMatchObject({ ok: true, available: true, lastError: null })
    expect(h.collectors.memory.lastSuccessAt).toBeGreaterThan(0)
    expect(await json(await fetch(`${w.url}/v1/ready`))).toEqual({ ready: true, waitingFor: [] })
  })

  it('is failing (503) once the monitor stops, and not ready', async () => {
    const other = await startWarden({ agents: [idle('x')] })
    await other.monitor.stop()
    const res = await fetch(`${other.url}/v1/health`)
    expect(res.status).toBe(503)
    expect(await json(res)).toMatchObject({ status: 'failing', monitor: { ok: false, running: false } })
    const ready = await fetch(`${other.url}/v1/ready`)
    expect(ready.status).toBe(503)
    expect(await json(ready)).toEqual({ ready: false, waitingFor: ['monitor'] })
    await other.close()
  })

  const booted = existsSync('/run/systemd/system')
  it(`lists systemd services, or answers 503 when systemd does not run (here: ${booted ? 'it runs' : 'it does not'})`, async () => {
    const res = await w.get('/v1/services', READ_TOKEN)
    const body = await json(res)
    if (booted) {
      expect(res.status).toBe(200)
      expect(body.units.length).toBeGreaterThan(0)
    } else {
      expect(res.status).toBe(503)
      expectErrorBody(body, 503, 'ERR_SERVER_SERVICES_UNAVAILABLE')
    }
  })

  it('host routes without a host monitor answer 404 HOST_NOT_CONFIGURED; host history without a HostHistory is 501', async () => {
    const bare = await startWarden({ startMonitor: false })
    expectErrorBody(
      await json(await bare.get('/v1/services', READ_TOKEN)),
      404,
      'ERR_SERVER_HOST_NOT_CONFIGURED',
    )
    expectErrorBody(
      await json(await bare.get('/v1/host/history', READ_TOKEN)),
      404,
      'ERR_SERVER_HOST_NOT_CONFIGURED',
    )
    const res = await w.get('/v1/host/history?since=1h&interval=1m', READ_TOKEN)
    expect(res.status).toBe(501)
    expectErrorBody(await json(res), 501, 'ERR_SERVER_HOST_HISTORY_NOT_CONFIGURED')
    await bare.close()
  })
})
