import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { isExited, readStatPath } from '../../src/procfs/stat.js'
import { killAll, startProcess, statusField } from '../sampler/processes.js'

const dirs: string[] = []
afterEach(async () => {
  await killAll()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** Runs `sleep` through a symlink named `name`, so its comm is that name (truncated to 15 bytes). */
async function sleepNamed(name: string) {
  const dir = mkdtempSync(join(tmpdir(), 'warden-comm-'))
  dirs.push(dir)
  const link = join(dir, name)
  symlinkSync('/bin/sleep', link)
  // sh prints ready, then execs the symlink: the pid stays, the comm becomes the link's name.
  return startProcess('/bin/sh', ['-c', `echo ready; exec "$0" 1000`, link])
}

describe('stat', () => {
  it('reads a comm with spaces and parentheses and every field after the LAST )', async () => {
    const child = await sleepNamed('a b) (c')
    const stat = await waitForComm(child.pid, 'a b) (c')
    expect(stat.state).toMatch(/^[RS]$/)
    expect(stat.numThreads).toBe(statusField(child.pid, 'Threads'))
    expect(stat.ppid).toBe(process.pid)
  })

  it('sees comm truncated to 15 bytes, still split on the last )', async () => {
    const child = await sleepNamed(') x) (y) z)) long tail')
    const stat = await waitForComm(child.pid, ') x) (y) z)) lo')
    expect(stat.numThreads).toBe(1)
  })

  it('knows zombie and dead states as exited', () => {
    expect(isExited({ state: 'Z' } as never)).toBe(true)
    expect(isExited({ state: 'X' } as never)).toBe(true)
    expect(isExited({ state: 'S' } as never)).toBe(false)
  })
})

/** The exec after `ready` is asynchronous: poll until the comm changed. */
async function waitForComm(pid: number, comm: string) {
  const deadline = performance.now() + 5000
  for (;;) {
    const stat = readStatPath(pid)
    if (stat?.comm === comm) return stat
    if (performance.now() > deadline) throw new Error(`comm of ${pid} is ${stat?.comm}, expected ${comm}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
