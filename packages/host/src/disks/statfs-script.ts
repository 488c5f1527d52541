/**
 * The helper's program (CommonJS, run with `node -e`, so it works from src/ and dist/ alike):
 * reads `{"id","path"}` lines, answers each with one statfs result line, concurrently on its own
 * libuv pool. A statfs that hangs occupies a thread of THIS process, never one of the daemon.
 * It exits when its stdin closes (the daemon died or let go of it).
 */
export const STATFS_SCRIPT = `
const fs = require('node:fs')
let pending = ''
const reply = (message) => process.stdout.write(JSON.stringify(message) + '\\n')
process.stdout.on('error', () => process.exit(0))
process.stdin.setEncoding('utf8')
process.stdin.on('data', (chunk) => {
  pending += chunk
  let newline
  while ((newline = pending.indexOf('\\n')) >= 0) {
    const { id, path } = JSON.parse(pending.slice(0, newline))
    pending = pending.slice(newline + 1)
    fs.statfs(path, (error, s) => reply(error
      ? { id, error: error.code || String(error.message) }
      : { id, bsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail, files: s.files, ffree: s.ffree }))
  }
})
process.stdin.on('end', () => process.exit(0))
reply({ ready: true })
`
