import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const here = dirname(fileURLToPath(import.meta.url))
const src = join(here, '../../src')
const utilsSrc = join(here, '../../../utils/src')

/** Transpiles every .ts file under `from` into `to` as plain ESM JavaScript. */
function transpileTree(from: string, to: string): void {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) =>
      statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)],
    )
  for (const file of walk(from)) {
    if (!file.endsWith('.ts')) continue
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: false,
      },
    })
    const dest = join(to, relative(from, file)).replace(/\.ts$/, '.js')
    mkdirSync(dirname(dest), { recursive: true })
    writeFileSync(dest, outputText)
  }
  writeFileSync(join(to, 'package.json'), '{"type":"module"}')
}

/**
 * Transpiles the store's TypeScript to plain JS once per test file, so child processes start
 * in ~50 ms with bare `node` instead of ~400 ms through a TS loader (the crash test spawns 100+).
 * The output sits under packages/store/node_modules so it resolves the package's dependencies;
 * @warden/utils is transpiled into its own node_modules, since its package exports only a build.
 */
export function compileStore(): { entry: string; cleanup: () => void } {
  const out = join(here, '../../node_modules/.cache', `warden-store-test-${process.pid}-${Date.now()}`)
  transpileTree(src, out)
  const utils = join(out, 'node_modules/@warden/utils')
  transpileTree(utilsSrc, utils)
  writeFileSync(
    join(utils, 'package.json'),
    '{"name":"@warden/utils","type":"module","exports":"./index.js"}',
  )
  return { entry: join(out, 'index.js'), cleanup: () => rmSync(out, { recursive: true, force: true }) }
}

export const fixture = (name: string): string => join(here, '../fixtures', name)

/** Spawned children, killed by `killAll` in afterEach. */
const children = new Set<ChildProcess>()

export function spawnNode(script: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  child.on('exit', () => children.delete(child))
  return child
}

export async function killAll(): Promise<void> {
  await Promise.all(
    [...children].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve()
          c.once('exit', () => resolve())
          c.kill('SIGKILL')
        }),
    ),
  )
}

/** Resolves with the first stdout line matching `match`; rejects on exit or after `timeoutMs`. */
export function waitForLine(
  child: ChildProcess,
  match: (line: string) => boolean,
  timeoutMs = 10_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = ''
    let stderr = ''
    const onData = (d: Buffer) => {
      buf += d.toString()
      let nl = buf.indexOf('\n')
      while (nl !== -1) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        if (match(line)) {
          done()
          return resolve(line)
        }
        nl = buf.indexOf('\n')
      }
    }
    const onErr = (d: Buffer) => {
      stderr += d.toString()
    }
    const onExit = (code: number | null, signal: string | null) => {
      done()
      reject(new Error(`child exited (${code ?? signal}) before the expected line; stderr: ${stderr}`))
    }
    const timer = setTimeout(() => {
      done()
      reject(new Error(`no matching line within ${timeoutMs} ms; stderr: ${stderr}`))
    }, timeoutMs)
    const done = () => {
      clearTimeout(timer)
      child.stdout!.off('data', onData)
      child.stderr!.off('data', onErr)
      child.off('exit', onExit)
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onErr)
    child.on('exit', onExit)
  })
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode })
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
}
