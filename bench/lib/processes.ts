// Processes a bench starts, and their cleanup: every pid is killed on exit, SIGINT or SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'

export const spawned = new Set<number>()

/** Kills everything this bench started, synchronously, so it also runs from an 'exit' handler. */
export function killAll(): void {
  for (const pid of spawned) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
  spawned.clear()
}
process.on('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll()
    process.exit(130)
  })
}

export function waitForLine(child: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      if (text.includes(line)) resolve()
    })
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing ${line}`)))
  })
}

/** Direct children of `pid` (its main thread's list; the shell below forks from it alone). */
function childrenOf(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').trim()
  return text === '' ? [] : text.split(' ').map(Number)
}

/** `n` sleeping processes started by one shell (one spawn from Node, builtins only in the loop). */
export async function spawnSleeps(n: number): Promise<number[]> {
  const shell = spawn(
    '/bin/sh',
    ['-c', `i=0; while [ $i -lt ${n} ]; do sleep 100000 & i=$((i+1)); done; echo ready; wait`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  spawned.add(shell.pid!)
  await waitForLine(shell, 'ready')
  const pids = childrenOf(shell.pid!)
  for (const pid of pids) spawned.add(pid)
  if (pids.length !== n) throw new Error(`expected ${n} sleeps, found ${pids.length}`)
  return pids
}
