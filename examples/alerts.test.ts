import { execFile } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

it('examples/alerts.ts prints warning, error, then resolved', { timeout: 30_000 }, async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=@warden/source', '--import', 'tsx', 'examples/alerts.ts'],
    { cwd: root, timeout: 25_000 },
  )
  const levels = stdout
    .split('\n')
    .map((l) => /^\+\s*\d+ ms (warning|error|resolved)\s+burner cpuPercent=/.exec(l)?.[1])
    .filter(Boolean)
  expect(levels.slice(0, 3)).toEqual(['warning', 'error', 'resolved'])
  expect(stdout).toMatch(/resolved .*\(reason: recovered\)/)
})
