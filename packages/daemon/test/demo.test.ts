import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { cgroup2Mount, cgroupOf } from '@warden/utils'
import { afterAll, describe, expect, it } from 'vitest'
import { until } from '../../../test/helpers/until.js'
import { alive, reap, Warden } from './process.js'

// `pnpm demo` as a user runs it (the bin's `demo` command, bundled config, temp data, random
// token), for a bounded time: the three stories must happen, seen through the API, and Ctrl-C
// must leave no demo process behind.

const started = new Set<number>()
let demo: Warden | undefined

/** Processes running one of the demo's agent scripts (by their command line). */
function demoProcesses(): number[] {
  const found: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
      if (/agents\/(burner|leaker|flaky|steady)\.js/.test(cmdline) && alive(Number(entry)))
        found.push(Number(entry))
    } catch {} // gone meanwhile
  }
  return found
}

afterAll(async () => {
  await demo?.kill()
  for (const l of demo?.lines ?? []) if (l.event === 'agent:start') started.add(l.pid as number)
  await reap(started)
})

interface Event {
  readonly event: string
  readonly data: Record<string, unknown>
}

/** Reads `/v1/events` into `events` until `signal` aborts. */
async function follow(url: string, token: string, events: Event[], signal: AbortSignal): Promise<void> {
  const res = await fetch(`${url}/v1/events`, { headers: { authorization: `Bearer ${token}` }, signal })
  expect(res.status).toBe(200)
  const decoder = new TextDecoder()
  let buffer = ''
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true })
      let end = buffer.indexOf('\n\n')
      while (end >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const name = /^event: (.*)$/m.exec(block)?.[1]
        const data = /^data: (.*)$/m.exec(block)?.[1]
        if (name !== undefined && data !== undefined) events.push({ event: name, data: JSON.parse(data) })
        end = buffer.indexOf('\n\n')
      }
    }
  } catch (error) {
    if (!signal.aborted) throw error
  }
}

describe('pnpm demo', () => {
  it('supervises real agents: catches the runaway, restarts the leaker, gives up on the crash loop; Ctrl-C leaves nothing', async () => {
    demo = new Warden(['demo', '--for', '5m', '--log-format', 'json', '--listen', '127.0.0.1:0'])
    const url = await demo.ready()
    const token = await until(() => /Token\s+(\S+)/.exec(demo!.stdout)?.[1], 10_000, 'the banner')
    expect(demo.stdout).toContain(`Dashboard   ${url}/`)
    const events: Event[] = []
    const stop = new AbortController()
    const following = follow(url, token, events, stop.signal)
    const agents = async () => {
      const res = await fetch(`${url}/v1/agents`, { headers: { authorization: `Bearer ${token}` } })
      return (
        (await res.json()) as {
          agents: { id: string; status: string; restarts: number; alerts: { level: string }[] }[]
        }
      ).agents
    }
    const has = (name: string, id: string) =>
      events.some((e) => e.event === name && (e.data.agentId ?? e.data.id) === id)

    // The runaway: over its CPU line (warning), still over after 6 s (error).
    await until(
      () => has('threshold:warning', 'burner') && has('threshold:error', 'burner'),
      120_000,
      'burner warning then error',
    )
    // The leaker: its memory error restarts it (monitor:restart), the supervisor counts it.
    await until(() => has('monitor:restart', 'leaker'), 120_000, 'leaker restarted by its threshold')
    // The crash loop: backoff, then fatal.
    await until(
      async () => (await agents()).find((a) => a.id === 'flaky')?.status === 'fatal',
      120_000,
      'flaky fatal',
    )
    const now = await agents()
    expect(now.find((a) => a.id === 'leaker')!.restarts).toBeGreaterThanOrEqual(1)
    expect(now.find((a) => a.id === 'steady')).toMatchObject({ status: 'running', restarts: 0 })
    expect(
      events.findIndex((e) => e.event === 'threshold:warning' && e.data.agentId === 'burner'),
    ).toBeLessThan(events.findIndex((e) => e.event === 'threshold:error' && e.data.agentId === 'burner'))

    // One readable line per lifecycle and alert event (the JSON log has the same events).
    const logged = demo.lines.map((l) => l.event)
    for (const e of [
      'agent:start',
      'agent:exit',
      'agent:backoff',
      'agent:fatal',
      'threshold:warning',
      'threshold:error',
      'monitor:restart',
    ]) {
      expect(logged).toContain(e)
    }

    for (const l of demo.lines) if (l.event === 'agent:start') started.add(l.pid as number)
    expect(demoProcesses().length).toBeGreaterThanOrEqual(3)
    demo.signal('SIGINT')
    expect(await demo.exited).toBe(0)
    stop.abort()
    await following
    expect([...started].filter(alive)).toEqual([])
    expect(demoProcesses()).toEqual([])
    // In the root cgroup the demo's agents got cgroups under <v2>/warden: none is left.
    const mount = cgroup2Mount()
    if (mount !== undefined && cgroupOf('self') === '/') {
      for (const id of ['burner', 'leaker', 'flaky', 'steady'])
        expect(existsSync(`${mount}/warden/agent-${id}`)).toBe(false)
    }
    expect(demo.lines.at(-1)).toMatchObject({ event: 'stopped' })
  }, 240_000)
})
