import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import type { Socket } from 'node:net'
import { readStat } from '@warden/utils'
import { firstLine } from './json-lines.js'
import { socketPath } from './private-dir.js'
import { BIRTH_FD, RELAY_ENV } from './protocol.js'
import type { RelayRecord } from './record.js'
import { relayScript } from './script.js'

/**
 * Threads for the relay's file system calls (Node's default is 4): a file on a hung disk holds
 * one while its write waits, and must not hold up every other agent's files.
 */
const FS_THREADS = 16

export interface StartedRelay {
  readonly child: ChildProcess
  readonly record: RelayRecord
  /** Our end of the pipe the relay said `ready` on: it keeps the relay alive until we attach. */
  readonly birth: Socket
}

/**
 * Starts a relay process (its own session, the supervisor's user, cwd `/`, an environment of its
 * mark only) and resolves once it listens on its socket. Rejects when it cannot be started.
 */
export async function startRelay(): Promise<StartedRelay> {
  const script = await relayScript()
  const token = randomBytes(16).toString('hex')
  const socket = socketPath(token)
  const child = spawn(process.execPath, [script, socket], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    cwd: '/',
    env: { [RELAY_ENV]: token, UV_THREADPOOL_SIZE: String(FS_THREADS) },
  })
  child.on('error', () => {})
  // Read now: the child cannot be reaped before this turn of the event loop ends.
  const startTicks = child.pid === undefined ? undefined : readStat(child.pid)?.startTicks
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? `exit code ${code}`)),
  )
  await new Promise((resolve, reject) => {
    child.once('spawn', resolve)
    child.once('error', reject)
  })
  const birth = child.stdio[BIRTH_FD] as Socket
  const first = await firstLine(birth)
  if (first?.line !== 'ready' || startTicks === undefined) {
    child.kill('SIGKILL')
    throw new Error(`the log relay ended (${await exited}) before it listened on ${socket}`)
  }
  return { child, birth, record: { pid: child.pid!, startTicks, token, socket } }
}
