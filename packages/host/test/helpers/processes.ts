import { existsSync, readdirSync, readFileSync } from 'node:fs'

/** Open fds of this process. */
export const openFds = (): number => readdirSync('/proc/self/fd').length

/** Live (non-zombie) children of `pid`, from /proc/<pid>/task/<tid>/children. */
export function childrenOf(pid: number = process.pid): number[] {
  const out: number[] = []
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let text = ''
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
    } catch {
      continue
    }
    for (const child of text.split(' ').filter(Boolean).map(Number)) {
      try {
        if (!/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${child}/stat`, 'utf8'))) out.push(child)
      } catch {
        // Exited meanwhile.
      }
    }
  }
  return out
}

/** `pid`'s descendants (children, their children, …) from /proc. */
export function descendantsOf(pid: number): number[] {
  const out: number[] = []
  const queue = [pid]
  while (queue.length > 0) {
    for (const child of childrenOf(queue.shift()!)) {
      out.push(child)
      queue.push(child)
    }
  }
  return out
}

import { until as sharedUntil } from '../../../../test/helpers/until.js'

export const until = sharedUntil

/** Whether `pid` is alive (not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

/** Whether `pid` has not been reaped yet (a killed process whose thread is stuck in the kernel shows its leader as a zombie). */
export const exists = (pid: number): boolean => existsSync(`/proc/${pid}`)

/** The states (R, S, D, Z, …) of the threads of `pid`; empty when it is gone. */
export function threadStates(pid: number | 'self'): string[] {
  const states: string[] = []
  let tids: string[] = []
  try {
    tids = readdirSync(`/proc/${pid}/task`)
  } catch {
    return states
  }
  for (const tid of tids) {
    try {
      states.push(/^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1'))![1]!)
    } catch {
      // The thread ended.
    }
  }
  return states
}

/** Calls `attempt` every 20 ms until `done(result)`, or fails after `timeoutMs`; resolves with that result. */
export async function untilResult<T>(
  attempt: () => Promise<T>,
  done: (result: T) => boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  return sharedUntil(
    async () => {
      const result = await attempt()
      return done(result) ? { result } : undefined
    },
    timeoutMs,
    what,
  ).then((r) => r.result)
}

/** Threads of `pid` waiting for a FUSE server's answer (kernel wait channel `request_wait_answer`). */
export function threadsWaitingOnFuse(pid: number | 'self'): number {
  let waiting = 0
  let tids: string[] = []
  try {
    tids = readdirSync(`/proc/${pid}/task`)
  } catch {
    return 0
  }
  for (const tid of tids) {
    try {
      if (readFileSync(`/proc/${pid}/task/${tid}/wchan`, 'latin1') === 'request_wait_answer') waiting++
    } catch {
      // The thread ended.
    }
  }
  return waiting
}
