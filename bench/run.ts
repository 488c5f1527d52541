// `pnpm bench`: runs every bench/*.bench.ts in its own process, one after another, so one
// suite's heap and children never skew another's. Pass names to run only some: `pnpm bench store`.
// Each suite's tables are also written to bench/RESULTS.md, replacing that suite's section only,
// with the machine and the load it ran under: the numbers belong to a run, not to the READMEs.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const resultsPath = join(here, 'RESULTS.md')
const only = process.argv.slice(2)
const suites = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()

const HEADER = `# Benchmark results

Written by \`pnpm bench\` (bench/run.ts): each suite's section is replaced when that suite runs
(\`pnpm bench <name>\` runs only some). The figures belong to the machine and the load named in
each section; targets are ratios against a baseline measured in the same run. What each bench
measures and why is in the suite's source and its package's README.
`

/** The sections of the results file, by suite file name, in file order. */
function readSections(): Map<string, string> {
  const sections = new Map<string, string>()
  if (!existsSync(resultsPath)) return sections
  const text = readFileSync(resultsPath, 'utf8')
  for (const part of text.split(/^(?=## bench\/)/m).slice(1)) {
    const name = /^## bench\/(\S+)/.exec(part)?.[1]
    if (name !== undefined) sections.set(name, part.trimEnd())
  }
  return sections
}

/** Runs one suite, echoing its output, and resolves with what it printed and how it ended. */
function runSuite(file: string): Promise<{ output: string; status: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--conditions=@warden/source', '--import', 'tsx', join(here, file)],
      { stdio: ['inherit', 'pipe', 'inherit'] },
    )
    let output = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      output += chunk
      process.stdout.write(chunk)
    })
    child.on('close', (status, signal) => resolve({ output, status, signal }))
  })
}

const machine = (): string => {
  const cpu = cpus()
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
}

let failed = 0
for (const file of suites) {
  const loadBefore = loadavg()[0]!.toFixed(2)
  const started = new Date()
  const { output, status, signal } = await runSuite(file)
  const ok = status === 0
  if (!ok) {
    failed++
    console.error(`bench ${file} exited with ${status ?? signal}`)
  }
  const sections = readSections()
  sections.set(
    file,
    [
      `## bench/${file}`,
      '',
      `Run ${started.toISOString()} on ${machine()}; load average ${loadBefore} before, ${loadavg()[0]!.toFixed(2)} after.${ok ? '' : ` **The suite failed (${status ?? signal}).**`}`,
      '',
      output.trim(),
    ].join('\n'),
  )
  const ordered = [...sections.keys()].sort().map((k) => sections.get(k)!)
  writeFileSync(resultsPath, `${HEADER}\n${ordered.join('\n\n')}\n`)
}
process.exit(failed === 0 ? 0 : 1)
