import { type ChildProcess, spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { gpuMemoryByAgent, gpuMemoryByPid } from '../../src/index.js'
import { childrenOf, descendantsOf, exists, until } from '../helpers/processes.js'

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'spawn-children.js')
const started: ChildProcess[] = []
afterEach(async () => {
  for (const child of started.splice(0)) {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
})

/** A real parent process with `n` children; resolves with the parent and the children's pids. */
async function tree(n: number): Promise<{ parent: number; children: number[] }> {
  const child = spawn(process.execPath, [FIXTURE, String(n)], { stdio: ['ignore', 'pipe', 'inherit'] })
  started.push(child)
  const line = await new Promise<string>((resolve) =>
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString())),
  )
  const children = JSON.parse(line) as number[]
  await until(() => children.every((pid) => childrenOf(child.pid).includes(pid)))
  return { parent: child.pid!, children }
}

const MIB = 1024 * 1024

describe('gpuMemoryByPid', () => {
  it('sums a process listed on several GPUs and skips [N/A] memory', () => {
    expect(
      gpuMemoryByPid([
        { pid: 1, usedMemoryBytes: MIB },
        { pid: 1, usedMemoryBytes: 2 * MIB },
        { pid: 2, usedMemoryBytes: null },
      ]),
    ).toEqual(new Map([[1, 3 * MIB]]))
  })
})

describe('gpuMemoryByAgent (real process trees)', () => {
  it("counts the GPU memory of an agent's children for the agent; other agents get 0", async () => {
    const a = await tree(2)
    const b = await tree(1)
    const byPid = new Map([
      [a.children[0]!, 100 * MIB],
      [a.children[1]!, 50 * MIB],
      [999_999_999, 7 * MIB], // a process of no agent
    ])
    const agents = [
      { id: 'a', pid: a.parent },
      { id: 'b', pid: b.parent },
      { id: 'stopped', pid: null },
    ]
    expect(gpuMemoryByAgent(byPid, agents, descendantsOf)).toEqual(
      new Map([
        ['a', 150 * MIB],
        ['b', 0],
      ]),
    )
  })

  it("counts the agent's own pid, and a process inside two agents' trees for the nearest agent only", async () => {
    const a = await tree(2)
    const byPid = new Map([
      [a.parent, 1 * MIB],
      [a.children[0]!, 100 * MIB],
      [a.children[1]!, 50 * MIB],
    ])
    const agents = [
      { id: 'outer', pid: a.parent },
      { id: 'inner', pid: a.children[0]! },
    ]
    expect(gpuMemoryByAgent(byPid, agents, descendantsOf)).toEqual(
      new Map([
        ['outer', 51 * MIB],
        ['inner', 100 * MIB],
      ]),
    )
  })

  it('does not walk any process tree when no process holds GPU memory', () => {
    let walked = 0
    const result = gpuMemoryByAgent(new Map(), [{ id: 'a', pid: process.pid }], (pid) => {
      walked++
      return descendantsOf(pid)
    })
    expect(result).toEqual(new Map([['a', 0]]))
    expect(walked).toBe(0)
    expect(exists(process.pid)).toBe(true)
  })
})
