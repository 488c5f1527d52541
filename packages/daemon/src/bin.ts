#!/usr/bin/env node
import { runCli } from './cli/index.js'
import { demo } from './demo.js'
import { check, run } from './run.js'

const [command, ...rest] = process.argv.slice(2)
const io = { stdout: process.stdout, stderr: process.stderr, env: process.env }
let code: number
if (command === 'run') code = await run(rest, io)
else if (command === 'check') code = await check(rest, io)
else if (command === 'demo') code = await demo(rest, io)
else {
  // `warden logs web -f | head`: a closed pipe ends the command quietly, as for any Unix tool.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0)
    throw error
  })
  const abort = new AbortController()
  process.once('SIGINT', () => abort.abort())
  code = await runCli(process.argv.slice(2), {
    ...io,
    signal: abort.signal,
    isTTY: process.stdout.isTTY === true,
  })
}
process.exitCode = code
// What keeps the loop alive is done: a run has stopped every agent; exit without waiting for stray handles.
if (command === 'run' || command === 'demo') setTimeout(() => process.exit(code), 50).unref()
