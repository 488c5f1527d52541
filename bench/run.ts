// `pnpm bench`: runs every bench/*.bench.ts in its own process, one after another, so one
// suite's heap and children never skew another's. Pass names to run only some: `pnpm bench store`.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const only = process.argv.slice(2)
const suites = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()
let failed = 0
for (const file of suites) {
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--conditions=@warden/source', '--import', 'tsx', join(here, file)],
    { stdio: 'inherit' },
  )
  if (r.status !== 0) {
    failed++
    console.error(`bench ${file} exited with ${r.status ?? r.signal}`)
  }
}
process.exit(failed === 0 ? 0 : 1)
