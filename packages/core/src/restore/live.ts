import { bootId, isSameProcessAlive, type ProcessIdentity, readStat } from '@warden/utils'
import { adoptRefusal } from '../adopt/guard.js'
import { AGENT_COOKIE_ENV } from '../agent/cookie.js'
import type { TailLimits } from '../logs/line-tail.js'
import { StderrFile } from '../logs/stderr-file.js'
import type { PersistedAgentState, StoredRelay } from '../persist/state.js'
import { environValue } from '../proc/scan.js'
import { removeStaleSocket } from '../relay/private-dir.js'
import { RELAY_ENV } from '../relay/protocol.js'

/** What of a saved run still lives. */
export interface LiveRun {
  /** The agent's process, still the one recorded. */
  readonly process: ProcessIdentity | undefined
  /** The log relay of its latest process, still running (its output, if the process lives). */
  readonly relay: StoredRelay | undefined
  /** Its stderr file, re-opened through the live process. */
  readonly stderrFile: StderrFile | undefined
}

/**
 * Whether the recorded process `p` is still ours: same boot (start ticks restart at every boot),
 * same pid and start ticks (else the pid was reused), carrying `name=value` in its environment
 * when that can be read (a hand-edited record naming a stranger's real identity is caught here).
 */
function stillOurs(p: ProcessIdentity, name: string, value: string): boolean {
  if (!isSameProcessAlive(p)) return false
  const found = environValue(p.pid, name)
  // Unreadable (another user's, and we are not root): boot, pid and start ticks decide.
  return found === undefined || found === value
}

/** Finds what still lives of the run `state` recorded; nothing when it is of another boot. */
export function liveRun(state: PersistedAgentState, tail: TailLimits): LiveRun {
  const run = state.run
  const none: LiveRun = { process: undefined, relay: undefined, stderrFile: undefined }
  if (run === null || bootId() === null || run.bootId !== bootId()) return none
  let process: ProcessIdentity | undefined
  if (state.pid !== null && state.startTicks !== null) {
    const p = { pid: state.pid, startTicks: state.startTicks }
    // Never adopt what adopt() refuses (init, ourselves, our group...), whatever the record says.
    if (stillOurs(p, AGENT_COOKIE_ENV, run.cookie) && adoptRefusal(p.pid, readStat(p.pid)) === undefined) {
      process = p
    }
  }
  let relay: StoredRelay | undefined
  if (run.relay !== null) {
    if (stillOurs(run.relay, RELAY_ENV, run.relay.token)) relay = run.relay
    // Killed: the streams it held broke with it; its socket is all that is left of it.
    else removeStaleSocket(run.relay.socket)
  }
  const stderrFile =
    process !== undefined && run.stderrFile !== null
      ? StderrFile.attach(process.pid, run.stderrFile, tail)
      : undefined
  return { process, relay, stderrFile }
}
