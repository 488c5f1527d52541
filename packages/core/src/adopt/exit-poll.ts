import { isSameProcessAlive, type ProcessIdentity } from '@warden/utils'

/**
 * Polls an adopted process (we are not its parent, so no exit event exists) and calls `onGone`
 * once when its identity no longer lives: exited, zombie, or pid reused by another process.
 * The timer is unref'd: watching alone never keeps the supervisor's process alive.
 */
export function watchIdentity(identity: ProcessIdentity, intervalMs: number, onGone: () => void): () => void {
  const timer = setInterval(() => {
    if (isSameProcessAlive(identity)) return
    clearInterval(timer)
    onGone()
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
