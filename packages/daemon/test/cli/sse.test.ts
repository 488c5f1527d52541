import { describe, expect, it } from 'vitest'
import { readEvents, type SseEvent } from '../../src/cli/sse.js'

async function parse(chunks: string[]): Promise<SseEvent[]> {
  const encoder = new TextEncoder()
  async function* body(): AsyncGenerator<Uint8Array> {
    for (const chunk of chunks) yield encoder.encode(chunk)
  }
  const events: SseEvent[] = []
  for await (const event of readEvents(body())) events.push(event)
  return events
}

describe('readEvents', () => {
  it('reads events split anywhere across chunks, skipping comments', async () => {
    const text =
      ': warden\n\nevent: lines\ndata: {"lines":["a"]}\n\n: keep-alive\n\nid: 7\nevent: gap\ndata: {}\n\n'
    const whole = await parse([text])
    expect(whole).toEqual([
      { event: 'lines', data: '{"lines":["a"]}', id: undefined },
      { event: 'gap', data: '{}', id: '7' },
    ])
    // Byte by byte, including inside a multi-byte character.
    const raw = new TextEncoder().encode(`${text}data: é\n\n`)
    async function* byteBody(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < raw.length; i++) yield raw.subarray(i, i + 1)
    }
    const events: SseEvent[] = []
    for await (const event of readEvents(byteBody())) events.push(event)
    expect(events).toEqual([...whole, { event: 'message', data: 'é', id: '7' }])
  })

  it('takes \\r\\n line ends, joins data lines, and drops an unfinished event at the end', async () => {
    expect(await parse(['event: end\r\ndata: a\r\ndata: b\r\n\r\n', 'event: lines\ndata: x'])).toEqual([
      { event: 'end', data: 'a\nb', id: undefined },
    ])
  })
})
