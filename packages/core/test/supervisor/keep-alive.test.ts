import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { fixture } from '../helpers.js'

const root = fileURLToPath(new URL('../../../..', import.meta.url))
const children: ChildProcess[] = []
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL')
})

function start(command: string, args: string[], detached = false): ChildProcess {
  const child = spawn(command, args, { cwd: root, detached, stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(child)
  return child
}

/** Runs the fixture supervisor adopting `pid`; resolves with its output and exit code once it exits. */
function supervise(pid: number, keepAlive: boolean, onLine: (line: string) => void) {
  const child = start(process.execPath, [
    '--conditions=@warden/source',
    '--import',
    'tsx',
    fixture('adopting-supervisor.ts'),
    String(pid),
    String(keepAlive),
  ])
  let out = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk
    for (const line of chunk.toString().split('\n')) if (line) onLine(line)
  })
  return new Promise<{ code: number | null; out: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, out })),
  )
}

async function sleeper(): Promise<ChildProcess & { pid: number }> {
  const child = start('sleep', ['600'], true)
  await new Promise((resolve) => child.once('spawn', resolve))
  return child as ChildProcess & { pid: number }
}

describe('keepAlive', () => {
  it('a supervisor whose only agent is adopted keeps its process alive until it shuts down', async () => {
    const adopted = await sleeper()
    const done = supervise(adopted.pid, true, (line) => {
      if (line === 'adopted') adopted.kill('SIGKILL')
    })
    const { code, out } = await done
    // It was still there to see the adopted process end, and exited only after shutdown().
    expect(out).toBe('adopted\nexit legacy\n')
    expect(code).toBe(0)
  })

  it('keepAlive: false leaves the lifetime to the caller: with nothing else to do, the process exits', async () => {
    const adopted = await sleeper()
    const { code, out } = await supervise(adopted.pid, false, () => {})
    expect(out).toBe('adopted\n')
    expect(code).toBe(0)
    expect(adopted.exitCode).toBeNull()
  })
})
