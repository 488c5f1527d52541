// A target the sampler may not fully read: as root, run the SAMPLER as `nobody` against a process of
// this user; as another user, sample pid 1 (root's). stat, statm and status stay world-readable; io
// and the fd directory do not.
import { execFileSync, spawn } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ResourceDataPoint } from '@warden/store'
import { afterEach, describe, expect, it } from 'vitest'
import { bundleForChild } from '../../../../test/helpers/bundle.js'
import { killAll, startFixture } from './processes.js'

const helpers = join(dirname(fileURLToPath(import.meta.url)), '../helpers')
const NOBODY = 65534
const isRoot = process.getuid?.() === 0
const pid1IsOthers = (() => {
  try {
    return statSync('/proc/1').uid !== process.getuid?.()
  } catch {
    return false
  }
})()

const dirs: string[] = []
afterEach(async () => {
  await killAll()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A temp dir `nobody` can enter: nothing the child needs lives in the checkout. */
function openTempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'warden-nobody-'))
  dirs.push(dir)
  chmodSync(dir, 0o755)
  return dir
}

/** Samples `pid` twice with each backend in a bundled child process running as `uid`. */
async function sampleAs(
  uid: number | undefined,
  pid: number,
): Promise<Record<string, (ResourceDataPoint | string)[]>> {
  const dir = openTempDir()
  const script = await bundleForChild(join(helpers, 'sample-twice.ts'), join(dir, 'sample-twice.mjs'))
  chmodSync(script, 0o644)
  const child = spawn(process.execPath, [script, String(pid)], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(uid === undefined ? {} : { uid, gid: uid }),
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => {
    stdout += c
  })
  child.stderr.on('data', (c: Buffer) => {
    stderr += c
  })
  const code = await new Promise((resolve) => child.once('exit', resolve))
  if (code !== 0) throw new Error(`sampler child exited with ${code}: ${stderr}`)
  return JSON.parse(stdout)
}

function expectPartial(result: Record<string, (ResourceDataPoint | string)[]>): void {
  const [first, second] = result.procfs as ResourceDataPoint[]
  expect(first).toMatchObject({
    cpuPercent: null,
    diskReadBytes: null,
    diskWriteBytes: null,
    openFiles: null,
  })
  expect(second).toMatchObject({ diskReadBytes: null, diskWriteBytes: null, openFiles: null })
  expect(second!.cpuPercent).toEqual(expect.any(Number))
  expect(second!.memoryRss).toBeGreaterThan(0)
  expect(second!.memoryVms).toBeGreaterThan(0)
  expect(second!.threads).toBeGreaterThan(0)
  const [, usage] = result.pidusage as ResourceDataPoint[]
  expect(usage!.cpuPercent).toEqual(expect.any(Number))
  expect(usage!.memoryRss).toBeGreaterThan(0)
}

describe('a target the sampler may not read fully', () => {
  it.skipIf(!isRoot)(
    'sampled as nobody: io and openFiles null, cpu and memory present (procfs); cpu and memory (pidusage) (needs root to run a child as nobody)',
    async () => {
      const target = await startFixture('forever.js')
      expectPartial(await sampleAs(NOBODY, target.pid))
    },
  )

  it.skipIf(isRoot || !pid1IsOthers)(
    "sampled as this user, pid 1 (another user's): the same nulls (needs a non-root user and a pid 1 of another user)",
    async () => {
      expectPartial(await sampleAs(undefined, 1))
    },
  )

  it.skipIf(!isRoot)(
    'is really unreadable for nobody: the test is not vacuous (needs root to run a child as nobody)',
    () => {
      const probe = `try { require('fs').readFileSync('/proc/${process.pid}/io'); console.log('readable') } catch (e) { console.log(e.code) }`
      const out = execFileSync(process.execPath, ['-e', probe], {
        cwd: openTempDir(),
        uid: NOBODY,
        gid: NOBODY,
        encoding: 'utf8',
      })
      expect(out.trim()).toBe('EACCES')
    },
  )
})
