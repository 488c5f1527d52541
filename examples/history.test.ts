import { execFile } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

it('examples/history.ts records samples into a store and prints history and buckets', {
  timeout: 30_000,
}, async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=@warden/source', '--import', 'tsx', 'examples/history.ts'],
    { cwd: root, timeout: 25_000 },
  )
  for (const id of ['idle', 'busy']) {
    const section = stdout.slice(stdout.indexOf(`${id}: raw points`), stdout.indexOf(`${id}: 1 s buckets`))
    const points = section.split('\n').filter((l) => /^ {2}\d{4}-\d\d-\d\dT.*cpu .* rss \d+\.\d MB/.test(l))
    expect(points.length).toBeGreaterThanOrEqual(8)
    expect(stdout).toMatch(new RegExp(`${id}: 1 s buckets \\(from raw\\)\\n {2}\\d{4}-.*n=\\d+ {2}cpu avg`))
  }
  expect(stdout).toMatch(/files: busy\.json, idle\.json/)
})
