/**
 * The helper's program (CommonJS, run with `node -e`, so it works from src/ and dist/ alike). It
 * reads one JSON request per line and answers with JSON lines:
 * - `{id, op: 'statfs', path}` → one statfs result, run on the helper's own libuv pool, so a call
 *   that hangs (dead NFS, stuck FUSE) holds a thread of THIS process, never one of the daemon;
 * - `{id, op: 'run', file, args, env, maxBytes}` → `spawned` with the pid, then `exit` with the
 *   output: commands are spawned here because a spawn blocks the spawning event loop until the
 *   child has exec'd (tens of ms on a loaded host), which the daemon's loop must not pay per tick.
 * It exits when its stdin closes (the daemon died or let go of it).
 */
export const HELPER_SCRIPT = `
const fs = require('node:fs')
const { spawn } = require('node:child_process')
let pending = ''
const reply = (message) => process.stdout.write(JSON.stringify(message) + '\\n')
process.stdout.on('error', () => process.exit(0))
const statfs = ({ id, path }) =>
  fs.statfs(path, (error, s) => reply(error
    ? { id, error: error.code || String(error.message) }
    : { id, bsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail, files: s.files, ffree: s.ffree }))
const run = ({ id, file, args, env, maxBytes }) => {
  let child
  try {
    child = spawn(file, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (error) {
    return reply({ id, op: 'exit', error: error.code || String(error.message) })
  }
  const out = []
  const err = []
  let bytes = 0
  let overflow = false
  child.once('spawn', () => reply({ id, op: 'spawned', pid: child.pid }))
  child.once('error', (error) => { if (child.pid === undefined) reply({ id, op: 'exit', error: error.code || String(error.message) }) })
  child.stdout.on('data', (chunk) => {
    bytes += chunk.length
    if (bytes <= maxBytes) out.push(chunk)
    else if (!overflow) {
      overflow = true
      try { process.kill(-child.pid, 'SIGKILL') } catch {}
    }
  })
  child.stderr.on('data', (chunk) => { if (err.length < 64) err.push(chunk) })
  child.once('close', (code, signal) => reply({
    id, op: 'exit', code, signal, overflow,
    stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'),
  }))
}
process.stdin.setEncoding('utf8')
process.stdin.on('data', (chunk) => {
  pending += chunk
  for (let newline = pending.indexOf('\\n'); newline >= 0; newline = pending.indexOf('\\n')) {
    const request = JSON.parse(pending.slice(0, newline))
    pending = pending.slice(newline + 1)
    if (request.op === 'statfs') statfs(request)
    else if (request.op === 'run') run(request)
  }
})
process.stdin.on('end', () => process.exit(0))
reply({ ready: true })
`
