import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readStat } from '@warden/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { terminateTree } from '../../src/terminate/kill-tree.js'
import { fixture, scanProc, spawnChildrenTree, until } from '../helpers.js'

const spawned: ChildProcess[] = []
const markers: string[] = []
afterEach(() => {
  for (const c of spawned.splice(0)) c.kill('SIGKILL')
  for (const m of markers.splice(0)) for (const pid of scanProc(m)) process.kill(pid, 'SIGKILL')
})

async function tree(): Promise<{ pid: number; marker: string }> {
  const marker = `warden-kt-${randomUUID()}`
  markers.push(marker)
  const child = spawn(process.execPath, [fixture('spawn-children.js'), 'root', marker], {
    detached: true,
    stdio: 'ignore',
  })
  spawned.push(child)
  const pid = child.pid!
  await until(() => spawnChildrenTree(pid), 15_000, 'the tree')
  return { pid, marker }
}

describe('terminateTree', () => {
  it('kills the whole tree, setsid() grandchild included, and spawns no process', async () => {
    const { pid, marker } = await tree()
    const result = await terminateTree({
      root: { pid, startTicks: readStat(pid)!.startTicks },
      timeoutMs: 2000,
    })
    expect(result).toEqual({ processes: 4, killed: 0, survivors: [] })
    expect(scanProc(marker)).toEqual([])
  })

  it('tree: false signals only the root (group too): the setsid() grandchild survives', async () => {
    const { pid, marker } = await tree()
    const result = await terminateTree({
      root: { pid, startTicks: readStat(pid)!.startTicks },
      timeoutMs: 2000,
      tree: false,
    })
    expect(result.survivors).toEqual([])
    // The group signal reached child and leaf; only the process that left the session remains.
    await until(() => scanProc(marker).length === 1, 5000, 'the group to die')
    expect(scanProc(marker)).toHaveLength(1)
  })

  it('does nothing when the pid now belongs to another process', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' })
    spawned.push(child)
    await new Promise((r) => child.once('spawn', r))
    const ticks = readStat(child.pid!)!.startTicks
    const result = await terminateTree({ root: { pid: child.pid!, startTicks: ticks + 1 } })
    expect(result.processes).toBe(0)
    expect(readStat(child.pid!)?.startTicks).toBe(ticks)
  })
})
