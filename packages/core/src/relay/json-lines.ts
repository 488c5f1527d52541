import type { Socket } from 'node:net'
import { StringDecoder } from 'node:string_decoder'

/** No first line (hello, answer) is longer: a peer that sends more is not speaking our protocol. */
const MAX_FIRST_LINE = 64 * 1024
/** Nor is any control message (a log line is cut at 1 MiB by default; JSON escapes can grow it). */
const MAX_MESSAGE = 64 * 1024 * 1024

/**
 * Reads the first line of a connection; what came after it is `rest`, and the socket is left
 * paused for the caller to read on. Undefined when the connection ends (or errs) before it.
 */
export function firstLine(socket: Socket): Promise<{ line: string; rest: Buffer } | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let bytes = 0
    const done = (result: { line: string; rest: Buffer } | undefined): void => {
      socket.off('data', onData)
      socket.off('close', onClose)
      socket.pause()
      if (result === undefined) socket.destroy()
      resolve(result)
    }
    const onData = (chunk: Buffer): void => {
      const nl = chunk.indexOf(0x0a)
      if (nl === -1) {
        chunks.push(chunk)
        bytes += chunk.length
        if (bytes > MAX_FIRST_LINE) done(undefined)
        return
      }
      chunks.push(chunk.subarray(0, nl))
      done({ line: Buffer.concat(chunks).toString('utf8'), rest: chunk.subarray(nl + 1) })
    }
    const onClose = (): void => done(undefined)
    socket.on('data', onData)
    socket.once('close', onClose)
    socket.on('error', () => {})
    socket.resume()
  })
}

/** Calls `onLine` for every line of `socket` from now on (UTF-8); an oversized line ends it. */
export function readLines(socket: Socket, onLine: (line: string) => void, rest?: Buffer): void {
  // One decoder from `rest` on: a character cut between two chunks is joined again.
  const decoder = new StringDecoder('utf8')
  let pending = ''
  const feed = (chunk: Buffer): void => {
    pending += decoder.write(chunk)
    let start = 0
    for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n', start)) {
      onLine(pending.slice(start, nl))
      start = nl + 1
    }
    pending = pending.slice(start)
    if (pending.length > MAX_MESSAGE) socket.destroy()
  }
  if (rest !== undefined) feed(rest)
  socket.on('data', feed)
  socket.on('error', () => {})
  socket.resume()
}
