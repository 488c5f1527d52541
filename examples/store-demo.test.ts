import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, expect, it } from 'vitest'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dirs: string[] = []
const children = new Set<ReturnType<typeof spawn>>()
afterEach(() => {
  for (const c of children) c.kill('SIGKILL')
  children.clear()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function runDemo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@warden/source', '--import', 'tsx', 'examples/store-demo.ts', ...args],
      {
        cwd: root,
      },
    )
    children.add(child)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.on('close', (code) => {
      children.delete(child)
      resolve({ code, stdout, stderr })
    })
  })
}

it('records three agents into the given dir and prints the history and aggregated tables', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-demo-test-'))
  dirs.push(dir)
  const { code, stdout, stderr } = await runDemo([dir])
  expect(stderr).toBe('')
  expect(code).toBe(0)
  expect(stdout).toContain(`store directory: ${dir}`)
  expect(stdout).toContain('agents: cron, web, worker')

  const lines = stdout.split('\n')
  expect(lines).toContain('History (last 4 raw points per agent)')
  expect(lines).toContain('Aggregated (1-minute buckets)')
  const historyRows = lines.filter((l) => /^(web|worker|cron)\s+12:04:[2-5]0\s/.test(l))
  expect(historyRows).toHaveLength(12)
  // cron's unreadable write counter shows as '-', never as 0.
  expect(lines.find((l) => l.startsWith('cron') && l.includes('12:04:30'))).toMatch(/\s-\s+\d+\s+2$/)

  const aggRows = lines.filter((l) => /^(web|worker|cron)\s+12:0[0-4]:00\s/.test(l))
  expect(aggRows).toHaveLength(15)
  for (const row of aggRows) expect(row).toMatch(/\s6\s.*\sraw$/)
  // Steady counters give exact rates; the worker's restart at 12:03 does not make a negative one.
  const rates = (id: string) =>
    aggRows.filter((l) => l.startsWith(`${id} `)).map((l) => l.trim().split(/\s+/).slice(-3, -1))
  expect(rates('web')).toEqual(Array(5).fill(['2000.0', '8000.0']))
  expect(rates('worker')).toEqual(Array(5).fill(['50000.0', '20000.0']))
  expect(rates('cron')).toEqual(Array(5).fill(['0.0', '500.0']))
  expect(stdout).toContain('worker: restartCount 1, last exit code 1 at 12:02:59')

  // The files are real store files.
  expect(
    readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort(),
  ).toEqual(['cron.json', 'web.json', 'worker.json'])
  const worker = JSON.parse(readFileSync(join(dir, 'worker.json'), 'utf8'))
  expect(worker).toMatchObject({ schemaVersion: 1, id: 'worker', type: 'queue', restartCount: 1 })
  expect(worker.resourceUsage.points.timestamp).toHaveLength(30)
})

it('without a dir argument uses a temp dir and removes it', async () => {
  const { code, stdout } = await runDemo([])
  expect(code).toBe(0)
  const dir = /store directory: (.+)/.exec(stdout)![1]!
  expect(dir).toContain('warden-store-demo-')
  expect(existsSync(dir)).toBe(false)
})
