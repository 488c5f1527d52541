/**
 * `/v1/events` read with fetch() and a streaming parser: EventSource cannot send the bearer token
 * (and the server refuses tokens in query strings). Reconnects after a drop with `Last-Event-ID`,
 * so the server replays what was missed while it still keeps it.
 */

/** Splits a Server-Sent Events byte stream into `{ id, event, data }` messages. */
export class SseParser {
  #buffer = ''
  /** A CR that ended a chunk: the LF of its CRLF may start the next one. */
  #cr = false
  #decoder = new TextDecoder()

  /** Feeds a chunk; returns the messages it completed. */
  push(chunk) {
    let text = (this.#cr ? '\r' : '') + this.#decoder.decode(chunk, { stream: true })
    this.#cr = text.endsWith('\r')
    if (this.#cr) text = text.slice(0, -1)
    this.#buffer += text.replace(/\r\n?/g, '\n')
    const out = []
    for (let end = this.#buffer.indexOf('\n\n'); end !== -1; end = this.#buffer.indexOf('\n\n')) {
      const block = this.#buffer.slice(0, end)
      this.#buffer = this.#buffer.slice(end + 2)
      const message = { id: null, event: 'message', data: [] }
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue
        const colon = line.indexOf(':')
        const field = colon === -1 ? line : line.slice(0, colon)
        let value = colon === -1 ? '' : line.slice(colon + 1)
        if (value.startsWith(' ')) value = value.slice(1)
        if (field === 'id') message.id = value
        else if (field === 'event') message.event = value
        else if (field === 'data') message.data.push(value)
      }
      if (message.data.length > 0) out.push({ ...message, data: message.data.join('\n') })
    }
    return out
  }
}

/**
 * Follows the event stream until `signal` aborts. `onEvent({ id, event, data })` per message,
 * `onState('live' | 'reconnecting' | 'error', error?)` on changes. An auth failure (401/403)
 * stops following: retrying with the same token cannot succeed.
 */
export async function followEvents(api, { path = '/v1/events', signal, onEvent, onState }) {
  let lastEventId = null
  let delay = 500
  while (!signal.aborted) {
    try {
      const res = await api.stream(path, { lastEventId, signal })
      onState('live')
      delay = 500
      const reader = res.body.getReader()
      const parser = new SseParser()
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        for (const message of parser.push(value)) {
          if (message.id !== null) lastEventId = message.id
          onEvent(message)
        }
      }
    } catch (error) {
      if (signal.aborted) return
      if (error?.status === 401 || error?.status === 403) {
        onState('error', error)
        return
      }
    }
    if (signal.aborted) return
    onState('reconnecting')
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, delay)
      signal.addEventListener('abort', () => {
        clearTimeout(timer)
        resolve()
      })
    })
    delay = Math.min(delay * 2, 15_000)
  }
}
