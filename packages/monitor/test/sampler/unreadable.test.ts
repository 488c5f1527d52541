// A target the sampler may not fully read: run the SAMPLER as `nobody` against a process of this
// (root) user. stat, statm and status stay world-readable; io and the fd directory do not.
import { execFileSync, spawn } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { ResourceDataPoint } from '@warden/store'
import { afterEach, describe, expect, it } from 'vitest'
import { killAll, startFixture } from './processes.js'

const here = dirname(fileURLToPath(import.meta.url))
const packageDir = join(here, '../..')
const NOBODY = 65534
const isRoot = process.getuid?.() === 0

const dirs: string[] = []
afterEach(async () => {
  await killAll()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** Samples `pid` twice, 300 ms apart, with each backend in a child process running as `uid`. */
async function sampleAs(
  uid: number | undefined,
  pid: number,
): Promise<Record<string, (ResourceDataPoint | string)[]>> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-nobody-'))
  dirs.push(dir)
  chmodSync(dir, 0o755)
  const script = join(dir, 'sample.mts')
  const src = (file: string) => pathToFileURL(join(packageDir, 'src/sampler', file)).href
  writeFileSync(
    script,
    `import { ProcfsSampler } from '${src('procfs-sampler.ts')}'
import { PidusageSampler } from '${src('pidusage-sampler.ts')}'
const out: Record<string, unknown[]> = {}
for (const sampler of [new ProcfsSampler(), new PidusageSampler()]) {
  const points: unknown[] = []
  for (let i = 0; i < 2; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 300))
    const o = (await sampler.sampleAll([{ id: 't', pid: ${pid} }], { includeChildren: false })).get('t')!
    points.push(o.kind === 'ok' ? o.point : o.kind === 'error' ? String(o.error) : o.kind)
  }
  sampler.close()
  out[sampler.backend] = points
}
process.stdout.write(JSON.stringify(out))
`,
  )
  chmodSync(script, 0o644)
  const child = spawn(process.execPath, ['--conditions=@warden/source', '--import', 'tsx', script], {
    cwd: packageDir,
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

describe('a target the sampler may not read fully', () => {
  it('has io and openFiles null, cpu and memory present (procfs); cpu and memory (pidusage)', async () => {
    // As root everything is readable, so the sampler itself runs as nobody; as another user,
    // a root-owned process (pid 1, usually) is the unreadable target.
    const target = isRoot ? (await startFixture('forever.js')).pid : 1
    if (!isRoot) expect(statSync(`/proc/${target}`).uid).not.toBe(process.getuid?.())
    const result = await sampleAs(isRoot ? NOBODY : undefined, target)
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
  })

  it('is really unreadable for that user (the test is not vacuous)', () => {
    if (!isRoot) return
    const probe = `try { require('fs').readFileSync('/proc/${process.pid}/io'); console.log('readable') } catch (e) { console.log(e.code) }`
    expect(
      execFileSync(process.execPath, ['-e', probe], { uid: NOBODY, gid: NOBODY, encoding: 'utf8' }).trim(),
    ).toBe('EACCES')
  })
})
