import type { Socket } from 'node:net'
import { LineSplitter } from '../logs/line-splitter.js'
import { STREAM_OK, type StreamHello } from './protocol.js'
import type { Reporter } from './reporter.js'
import type { Writers } from './writers.js'

/**
 * One output stream of one agent process, as the relay reads it: the connection the agent holds
 * as its stdout or stderr. It is read all the time, whatever the disk does (a line the file cannot
 * queue is dropped and counted, never the socket paused), cut into whole lines, written to its
 * file and reported.
 */
export class InboundStream {
  readonly agent: string
  /** Resolves once the stream ended (every holder closed it, or it was cut) and its end was reported. */
  readonly ended: Promise<void>
  readonly #socket: Socket

  constructor(socket: Socket, hello: StreamHello, rest: Buffer, writers: Writers, reporter: Reporter) {
    this.agent = hello.a
    this.#socket = socket
    const key = `${hello.a}\0${hello.p}\0${hello.s}`
    const writer = hello.file === undefined ? undefined : writers.acquire(hello.a, hello.file)
    const splitter = new LineSplitter({ maxLineBytes: hello.maxLineBytes })
    const onLine = (line: Buffer): void => {
      writer?.file.writeLine(line)
      if (hello.report)
        reporter.line(key, { t: 'line', a: hello.a, p: hello.p, s: hello.s, l: line.toString('utf8') })
    }
    this.ended = new Promise((resolve) => {
      socket.once('close', () => {
        splitter.end(onLine)
        reporter.send({ t: 'end', a: hello.a, p: hello.p, s: hello.s }, key)
        reporter.done(key)
        writer?.release()
        resolve()
      })
    })
    socket.on('error', () => {})
    socket.on('data', (chunk: Buffer) => splitter.push(chunk, onLine))
    // Read from now on: the supervisor spawns the agent once it has this answer.
    socket.write(`${STREAM_OK}\n`)
    if (rest.length > 0) splitter.push(rest, onLine)
    socket.resume()
  }

  /** Ends the stream now (its holders get EPIPE on their next write); what was read is kept. */
  cut(): void {
    this.#socket.destroy()
  }
}
