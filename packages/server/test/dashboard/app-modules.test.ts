import { describe, expect, it } from 'vitest'
import {
  CONTROL_TOKEN,
  closeWardensAfterEach,
  idle,
  type Json,
  READ_TOKEN,
  startWarden,
  until,
} from '../helpers.js'

closeWardensAfterEach()

// The dashboard's plain browser modules hold no DOM code at import time: their logic runs here too.
interface Marker {
  readonly id: number
  readonly time: number
  readonly agent: string
  readonly kind: string
}
const app = (name: string): string => new URL(`../../dashboard/app/${name}`, import.meta.url).href
const { markersFrom } = (await import(app('markers.js'))) as {
  markersFrom: (events: readonly Json[], state?: Map<string, number>) => Marker[]
}
const { SseParser } = (await import(app('sse.js'))) as {
  SseParser: new () => { push(chunk: Uint8Array): { id: string | null; event: string; data: string }[] }
}

describe('markersFrom (dashboard/app/markers.js) on a real supervisor’s events', () => {
  it('marks an API restart as exit + restart, a crash as crash + restart, a stop and start as exit + start', async () => {
    const w = await startWarden({ agents: [idle('a')] })
    const recent = async (): Promise<Json[]> =>
      ((await (await w.get('/v1/events/recent?agent=a', READ_TOKEN)).json()) as Json).events
    expect((await w.post('/v1/agents/a/restart', CONTROL_TOKEN)).status).toBe(200)
    const afterRestart = markersFrom(await recent()).map((m) => m.kind)
    expect(afterRestart).toEqual(['exit', 'restart'])

    process.kill(w.supervisor.get('a')!.pid!, 'SIGKILL')
    await until(
      () => w.supervisor.get('a')!.restartCount === 2 && w.supervisor.get('a')!.status === 'running',
    )
    expect((await w.post('/v1/agents/a/stop', CONTROL_TOKEN)).status).toBe(200)
    expect((await w.post('/v1/agents/a/start', CONTROL_TOKEN)).status).toBe(200)
    const markers = markersFrom(await recent())
    expect(markers.map((m) => m.kind)).toEqual(['exit', 'restart', 'crash', 'restart', 'exit', 'start'])
    expect(markers.every((m) => m.agent === 'a' && typeof m.time === 'number')).toBe(true)

    // Live events continue from the state the past ones left (one at a time, as the stream gives them).
    const events = await recent()
    const state = new Map<string, number>()
    const split = events.findIndex((e) => e.event === 'agent:exit' && e.data.expected === false)
    const live = [
      ...markersFrom(events.slice(0, split), state),
      ...events.slice(split).flatMap((e) => markersFrom([e], state)),
    ]
    expect(live.map((m) => m.kind)).toEqual(markers.map((m) => m.kind))
  })

  it('marks alert episodes as warning, error and resolved', async () => {
    const w = await startWarden({ agents: [idle('a')] })
    w.monitor.setThreshold('a', { memoryBytes: 1, durationMs: 0 })
    await w.monitor.collectOnce()
    w.monitor.setThreshold('a', { memoryBytes: 2 ** 50, durationMs: 0 })
    await w.monitor.collectOnce()
    const events = ((await (await w.get('/v1/events/recent?agent=a', READ_TOKEN)).json()) as Json).events
    expect(markersFrom(events).map((m) => m.kind)).toEqual(['warning', 'error', 'resolved'])
  })
})

describe('SseParser (dashboard/app/sse.js)', () => {
  it('parses events split across chunks anywhere, CRLF line ends, comments and multi-line data', () => {
    const text =
      ': warden\n\nid: 1\nevent: agent:start\ndata: {"id":"a"}\n\n: keep-alive\n\r\nid: 2\r\nevent: x\r\ndata: one\r\ndata: two\r\n\r\nid: 3\nevent: é\ndata:{"v":"ü"}\n\n'
    const bytes = new TextEncoder().encode(text)
    for (const size of [1, 2, 3, 7, bytes.length]) {
      const parser = new SseParser()
      const out = []
      for (let i = 0; i < bytes.length; i += size) out.push(...parser.push(bytes.subarray(i, i + size)))
      expect(out, `chunks of ${size}`).toEqual([
        { id: '1', event: 'agent:start', data: '{"id":"a"}' },
        { id: '2', event: 'x', data: 'one\ntwo' },
        { id: '3', event: 'é', data: '{"v":"ü"}' },
      ])
    }
  })
})
