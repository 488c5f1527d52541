import { describe, expect, it } from 'vitest'
import { AUTH, CONTROL_TOKEN, closeWardensAfterEach, idle, READ_TOKEN, startWarden } from '../helpers.js'

closeWardensAfterEach()

describe('bearer tokens', () => {
  it('answers the auth table: none, wrong, right, wrong scheme, read token on control, token in the query', async () => {
    const w = await startWarden({ agents: [idle('a')] })
    const cases: {
      what: string
      method?: 'GET' | 'POST'
      path: string
      authorization?: string
      status: number
      code?: string
      challenge?: RegExp
    }[] = [
      {
        what: 'no token',
        path: '/v1/agents',
        status: 401,
        code: 'ERR_SERVER_UNAUTHORIZED',
        challenge: /^Bearer realm="warden"$/,
      },
      {
        what: 'empty header',
        path: '/v1/agents',
        authorization: '',
        status: 401,
        code: 'ERR_SERVER_UNAUTHORIZED',
      },
      {
        what: 'wrong token',
        path: '/v1/agents',
        authorization: 'Bearer wrong-token-0123456789abcdef',
        status: 401,
        code: 'ERR_SERVER_UNAUTHORIZED',
        challenge: /error="invalid_token"/,
      },
      {
        what: 'a prefix of a right token',
        path: '/v1/agents',
        authorization: `Bearer ${READ_TOKEN.slice(0, -1)}`,
        status: 401,
      },
      {
        what: 'wrong scheme',
        path: '/v1/agents',
        authorization: `Basic ${Buffer.from(`x:${READ_TOKEN}`).toString('base64')}`,
        status: 401,
        code: 'ERR_SERVER_UNAUTHORIZED',
        challenge: /^Bearer realm="warden"$/,
      },
      { what: 'token without scheme', path: '/v1/agents', authorization: READ_TOKEN, status: 401 },
      { what: 'read token', path: '/v1/agents', authorization: `Bearer ${READ_TOKEN}`, status: 200 },
      { what: 'scheme in any case', path: '/v1/agents', authorization: `bearer ${READ_TOKEN}`, status: 200 },
      {
        what: 'control token reads',
        path: '/v1/snapshot',
        authorization: `Bearer ${CONTROL_TOKEN}`,
        status: 200,
      },
      {
        what: 'read token on /metrics',
        path: '/metrics',
        authorization: `Bearer ${READ_TOKEN}`,
        status: 200,
      },
      { what: 'no token on /metrics', path: '/metrics', status: 401 },
      {
        what: 'read token on a control route',
        method: 'POST',
        path: '/v1/agents/a/restart',
        authorization: `Bearer ${READ_TOKEN}`,
        status: 403,
        code: 'ERR_SERVER_FORBIDDEN',
        challenge: /error="insufficient_scope"/,
      },
      { what: 'no token on a control route', method: 'POST', path: '/v1/agents/a/stop', status: 401 },
      {
        what: 'token in the query string (with a right header)',
        path: `/v1/agents?access_token=${READ_TOKEN}`,
        authorization: `Bearer ${READ_TOKEN}`,
        status: 400,
        code: 'ERR_SERVER_TOKEN_IN_QUERY',
      },
      {
        what: 'token in the query of a public route',
        path: `/v1/health?token=${READ_TOKEN}`,
        status: 400,
        code: 'ERR_SERVER_TOKEN_IN_QUERY',
      },
      { what: 'health without a token', path: '/v1/health', status: 200 },
      { what: 'ready without a token', path: '/v1/ready', status: 200 },
    ]
    for (const c of cases) {
      const headers: Record<string, string> = {}
      if (c.authorization !== undefined) headers.authorization = c.authorization
      const res = await fetch(`${w.url}${c.path}`, { method: c.method ?? 'GET', headers })
      const text = await res.text()
      expect({ what: c.what, status: res.status }).toEqual({ what: c.what, status: c.status })
      if (c.status >= 400) {
        const body = JSON.parse(text)
        expect(body).toMatchObject({ statusCode: c.status, code: expect.stringMatching(/^ERR_SERVER_/) })
        expect(typeof body.message).toBe('string')
        if (c.code) expect(body.code, c.what).toBe(c.code)
        // No answer ever carries a token back.
        expect(text).not.toContain(READ_TOKEN)
        expect(text).not.toContain(CONTROL_TOKEN)
      }
      if (c.challenge) expect(res.headers.get('www-authenticate'), c.what).toMatch(c.challenge)
      if (c.status === 401) expect(res.headers.get('www-authenticate'), c.what).toMatch(/^Bearer /)
    }
    // The right token for a control route controls.
    const restarted = await w.post('/v1/agents/a/restart', CONTROL_TOKEN)
    expect(restarted.status).toBe(200)
    expect(((await restarted.json()) as { agent: unknown }).agent).toMatchObject({
      id: 'a',
      status: 'running',
      restarts: 1,
    })

    // The token never reaches the logs: requests are logged by path and token name only.
    const logs = w.log.text
    expect(logs).toContain('"token":"reader"')
    expect(logs).toContain('"token":"operator"')
    expect(logs).toContain('"path":"/v1/agents"')
    expect(logs).not.toContain(READ_TOKEN)
    expect(logs).not.toContain(CONTROL_TOKEN)
    expect(logs).not.toContain(READ_TOKEN.slice(0, -1))
  })

  it('accepts every configured token, so one can be rotated', async () => {
    const next = 'next-read-token-0123456789abcdef'
    const w = await startWarden({
      auth: { tokens: [...AUTH.tokens, { token: next, access: 'read' }] },
      startMonitor: false,
    })
    for (const token of [READ_TOKEN, CONTROL_TOKEN, next])
      expect((await w.get('/v1/agents', token)).status).toBe(200)
  })

  it('serves without tokens only on loopback, and says so when asked to listen elsewhere', async () => {
    const w = await startWarden({ auth: false, startMonitor: false })
    expect(w.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect((await w.get('/v1/agents')).status).toBe(200)
    const other = await startWarden({ auth: false, startMonitor: false })
    await other.app.close()
    for (const host of ['0.0.0.0', '::', '192.0.2.1']) {
      await expect(other.app.listen({ host, port: 0 })).rejects.toMatchObject({
        code: 'ERR_SERVER_INSECURE_LISTEN',
        message: expect.stringContaining(host),
      })
    }
    // With a token, any address is allowed.
    const secured = await startWarden({ startMonitor: false })
    await secured.app.close()
    const { createServer } = await import('../../src/index.js')
    const app = createServer({ supervisor: secured.supervisor, monitor: secured.monitor, auth: AUTH })
    const address = await app.listen({ host: '0.0.0.0', port: 0 })
    expect(address).toMatch(/:\d+$/)
    await app.close()
  })
})
