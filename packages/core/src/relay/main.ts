// The log relay: one process per agent process with piped output, started by the supervisor with
// the agent's user. It owns the agent's pipes (so the agent never gets EPIPE when the supervisor
// dies), writes the lines to the rotating files, and reports lines, failures and drops to the
// supervisor while it lives. It exits once every stream ended (every writer gone) and the files
// are written, or on SIGTERM after writing what it has.
import { Socket } from 'node:net'
import { LineSplitter } from '../logs/line-splitter.js'
import { LogFiles } from '../logs/log-files.js'
import { encodeMessage, RELAY_FD, type RelayConfig, type RelayMessage, type RelayStream } from './protocol.js'

/** Reports waiting for a slow (or gone) supervisor beyond this are dropped: the relay never blocks. */
const MAX_REPORT_BACKLOG = 8 * 1024 * 1024

const config = JSON.parse(process.argv[2] ?? '{}') as RelayConfig
const report = new Socket({ fd: RELAY_FD.report, readable: false, writable: true })
let reporting = true
report.on('error', () => {
  // The supervisor is gone: go on writing the files.
  reporting = false
})
const send = (message: RelayMessage): void => {
  if (reporting && report.writableLength < MAX_REPORT_BACKLOG) report.write(encodeMessage(message))
}

let dropped = 0
const files = new LogFiles({
  files: config.files,
  maxBytes: config.maxBytes,
  backups: config.backups,
  maxQueueBytes: config.maxQueueBytes,
  errorReportIntervalMs: config.errorReportIntervalMs,
  onError: (path, error, suppressed) => {
    const e = error as NodeJS.ErrnoException
    send({ t: 'error', path, message: e?.message ?? String(error), code: e?.code, suppressed })
  },
  onSettled: () => {
    if (files.droppedLines === dropped) return
    dropped = files.droppedLines
    send({ t: 'dropped', n: dropped })
  },
})

const inputs: Socket[] = []
let open = config.inputs.length
for (const stream of config.inputs) inputs.push(read(stream))
send({ t: 'ready' })
if (open === 0) void finish()

process.on('SIGTERM', () => {
  for (const input of inputs) input.destroy()
})

function read(stream: RelayStream): Socket {
  const input = new Socket({ fd: RELAY_FD[stream], readable: true, writable: false })
  const splitter = new LineSplitter({ maxLineBytes: config.maxLineBytes })
  const file = files.of(stream)
  const reported = config.report.includes(stream)
  const onLine = (line: Buffer): void => {
    file?.writeLine(line)
    if (reported) send({ t: 'line', s: stream, l: line.toString('utf8') })
  }
  input.on('data', (chunk: Buffer) => splitter.push(chunk, onLine))
  input.on('error', () => {})
  input.once('close', () => {
    splitter.end(onLine)
    send({ t: 'end', s: stream })
    if (--open === 0) void finish()
  })
  return input
}

async function finish(): Promise<void> {
  await files.close()
  if (files.droppedLines !== dropped) send({ t: 'dropped', n: files.droppedLines })
  if (!reporting) process.exit(0)
  report.once('error', () => process.exit(0))
  report.end(() => process.exit(0))
  // A supervisor that stopped reading (SIGSTOP) must not keep a finished relay around.
  setTimeout(() => process.exit(0), 5000).unref()
}
