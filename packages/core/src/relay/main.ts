// The log relay: one process per supervisor, started by it when the first agent needs its output
// piped, found again by a restarted supervisor. It owns the agents' output sockets (so an agent
// never gets EPIPE when the supervisor dies), writes the rotating files and reports lines,
// failures and drops to the supervisor while one is attached. See server.ts for its lifetime.
import { Socket } from 'node:net'
import { BIRTH_FD } from './protocol.js'
import { RelayServer } from './server.js'

const path = process.argv[2]
if (path === undefined) process.exit(2)
const server = new RelayServer(path)
process.on('SIGTERM', () => server.stop())
try {
  await server.listen(new Socket({ fd: BIRTH_FD, readable: true, writable: true }))
} catch {
  process.exit(1)
}
