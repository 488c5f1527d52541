// The packages as another project gets them: built, packed with `pnpm pack` (workspace:* becomes a
// version), installed from the tarballs into a project outside this workspace, type-checked against
// the published .d.ts and run — the README's library example, examples/library.ts.
//
// The install is offline: the temporary project gets a lockfile made from this workspace's (the same
// third-party versions, which the workspace install already put in the pnpm store) plus the tarballs.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const run = promisify(execFile)
/** In the order they depend on each other. */
const PACKAGES = ['utils', 'store', 'core', 'monitor', 'host', 'server', 'daemon'] as const

interface Manifest {
  name: string
  version: string
  dependencies?: Record<string, string>
  packageManager?: string
}
const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))

/** pnpm as the test was started (`pnpm test` sets npm_execpath), else the version the root pins. */
function pnpmCommand(): [string, string[]] {
  const execPath = process.env.npm_execpath
  if (execPath !== undefined && /pnpm\.c?js$/.test(execPath)) return [process.execPath, [execPath]]
  return ['npx', ['--yes', manifest(root).packageManager ?? 'pnpm@10']]
}
async function pnpm(args: string[], cwd: string): Promise<string> {
  const [command, prefix] = pnpmCommand()
  const { stdout } = await run(command, [...prefix, ...args], { cwd, maxBuffer: 16 << 20 })
  return stdout
}

/** Newest modification time of the files under `path`. */
function newest(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))))
}

/** True when some package has no dist/ or a source file newer than its build. */
function buildIsStale(): boolean {
  const shared = Math.max(newest(join(root, 'tsconfig.base.json')), newest(join(root, 'pnpm-lock.yaml')))
  return PACKAGES.some((p) => {
    const dir = join(root, 'packages', p)
    const built = join(dir, 'dist', 'index.d.ts')
    if (!existsSync(built)) return true
    const inputs = ['src', 'package.json', 'tsconfig.build.json'].map((f) => newest(join(dir, f)))
    return Math.max(shared, ...inputs) > statSync(built).mtimeMs
  })
}

/** The top-level sections of a pnpm v9 lockfile, as text: `packages:`, `snapshots:`... */
function lockfileSections(text: string): Map<string, string> {
  const sections = new Map<string, string>()
  for (const part of text.split(/^(?=\S)/m)) sections.set(part.slice(0, part.indexOf(':')), part)
  return sections
}

/** The locked `version` of each dependency of one importer (`.`, `packages/core`...). */
function importerVersions(importers: string, importer: string): Map<string, string> {
  const versions = new Map<string, string>()
  const block = importers.split(/^ {2}(?=\S)/m).find((b) => b.startsWith(`${importer}:`)) ?? ''
  for (const m of block.matchAll(/^ {6}'?([^':\n]+)'?:\n {8}specifier: .*\n {8}version: (.*)$/gm)) {
    versions.set(m[1]!, m[2]!)
  }
  return versions
}

const quote = (s: string): string => `'${s}'`
const workspaceLockfile = lockfileSections(readFileSync(join(root, 'pnpm-lock.yaml'), 'utf8'))

interface Tarball {
  /** `file:../tarballs/<name>-<version>.tgz`, relative to the consumer project. */
  spec: string
  integrity: string
  /** The package.json inside the tarball, as pnpm pack rewrote it. */
  manifest: Manifest
}

/**
 * A lockfile for `app`: every dependency of the tarballs at the version this workspace locks, so
 * `pnpm install --offline --frozen-lockfile` needs no registry metadata, only the pnpm store.
 */
function consumerLockfile(tarballs: Map<string, Tarball>, typesNode: string): string {
  const sections = workspaceLockfile
  const importers = sections.get('importers') ?? ''
  const overrides = [...tarballs].map(([name, t]) => `  ${quote(name)}: ${t.spec}`)
  const deps = [
    `      '@types/node':\n        specifier: ${typesNode}\n        version: ${typesNode}`,
    ...[...tarballs].map(
      ([name, t]) => `      ${quote(name)}:\n        specifier: ${t.spec}\n        version: ${t.spec}`,
    ),
  ]
  const packages: string[] = []
  const snapshots: string[] = []
  for (const [name, t] of tarballs) {
    const key = quote(`${name}@${t.spec}`)
    packages.push(
      `  ${key}:\n    resolution: {integrity: ${t.integrity}, tarball: ${t.spec}}\n    version: ${t.manifest.version}\n`,
    )
    const locked = importerVersions(importers, `packages/${name.slice('@warden/'.length)}`)
    const lines = Object.keys(t.manifest.dependencies ?? {}).map((dep) => {
      const version = tarballs.get(dep)?.spec ?? locked.get(dep)
      if (version === undefined) throw new Error(`${name}: ${dep} is not in pnpm-lock.yaml`)
      return `      ${quote(dep)}: ${version}`
    })
    snapshots.push(lines.length ? `  ${key}:\n    dependencies:\n${lines.join('\n')}\n` : `  ${key}: {}\n`)
  }
  return [
    "lockfileVersion: '9.0'\n",
    sections.get('settings'),
    `overrides:\n${overrides.join('\n')}\n\n`,
    `importers:\n\n  .:\n    dependencies:\n${deps.join('\n')}\n\n`,
    `${sections.get('packages')!.trimEnd()}\n\n${packages.join('\n')}\n`,
    `${sections.get('snapshots')!.trimEnd()}\n\n${snapshots.join('\n')}`,
  ].join('\n')
}

/** The pnpm store this workspace was installed from (where the offline install finds everything). */
function storeDir(): string | undefined {
  const path = join(root, 'node_modules', '.modules.yaml')
  if (!existsSync(path)) return undefined
  const modules = readFileSync(path, 'utf8')
  return /"?storeDir"?: "?([^"\n]+)"?/.exec(modules)?.[1]
}

const example = readFileSync(join(root, 'examples', 'library.ts'), 'utf8')

describe('the packed packages, installed in another project', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'warden-packed-'))
  afterAll(() => rmSync(tmp, { recursive: true, force: true }))

  it('README "Use it as a library" is examples/library.ts', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    const section = readme.slice(readme.indexOf('## Use it as a library'))
    expect(section.slice(section.indexOf('```ts\n') + 6, section.indexOf('```\n', 6))).toBe(example)
  })

  it('builds, packs, installs offline, type-checks and runs the library example', async () => {
    if (buildIsStale()) await pnpm(['run', 'build'], root)

    const tarballDir = join(tmp, 'tarballs')
    await pnpm(['--recursive', '--filter', './packages/*', 'pack', '--pack-destination', tarballDir], root)
    const tarballs = new Map<string, Tarball>()
    for (const p of PACKAGES) {
      const { name, version } = manifest(join(root, 'packages', p))
      const file = `${name.slice(1).replace('/', '-')}-${version}.tgz`
      const tarball = readFileSync(join(tarballDir, file))
      const packed = await run('tar', ['-xzOf', join(tarballDir, file), 'package/package.json'])
      const packedManifest = JSON.parse(packed.stdout) as Manifest & Record<string, unknown>
      expect(Object.values(packedManifest.dependencies ?? {}).join(' '), name).not.toContain('workspace:')
      expect(packedManifest.exports, name).toMatchObject({
        '.': { types: './dist/index.d.ts', import: './dist/index.js' },
      })
      const integrity = `sha512-${createHash('sha512').update(tarball).digest('base64')}`
      tarballs.set(name, { spec: `file:../tarballs/${file}`, integrity, manifest: packedManifest })
    }

    const app = join(tmp, 'app')
    const typesNode = importerVersions(workspaceLockfile.get('importers') ?? '', '.').get('@types/node')
    expect(typesNode).toBeDefined()
    const specs = Object.fromEntries([...tarballs].map(([name, t]) => [name, t.spec]))
    mkdirSync(join(app, 'src'), { recursive: true })
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({
        name: 'warden-consumer',
        private: true,
        type: 'module',
        dependencies: { '@types/node': typesNode, ...specs },
        pnpm: { overrides: specs },
      }),
    )
    writeFileSync(join(app, 'pnpm-lock.yaml'), consumerLockfile(tarballs, typesNode!))
    const store = storeDir()
    await pnpm(['install', '--offline', '--frozen-lockfile', ...(store ? ['--store-dir', store] : [])], app)

    // Every package loads and is typed, from the built dist/ alone.
    writeFileSync(join(app, 'src', 'library.ts'), example)
    writeFileSync(
      join(app, 'src', 'all.ts'),
      `${PACKAGES.map((p) => `import * as ${p} from '@warden/${p}'`).join('\n')}\n` +
        `console.log(Object.entries({ ${PACKAGES.join(', ')} }).map(([n, m]) => \`\${n}=\${Object.keys(m).length}\`).join(' '))\n`,
    )
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2023',
          lib: ['ES2023'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          types: ['node'],
          skipLibCheck: false,
          rootDir: 'src',
          outDir: 'dist',
        },
        include: ['src'],
      }),
    )
    const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc')
    await run(process.execPath, [tsc, '-p', app], { cwd: app }).catch((error: { stdout?: string }) => {
      throw new Error(`tsc in the consumer project failed:\n${error.stdout}`)
    })

    const all = await run(process.execPath, ['dist/all.js'], { cwd: app })
    for (const p of PACKAGES) expect(all.stdout).toMatch(new RegExp(`${p}=[1-9]`))

    // The `warden` bin of the packed @warden/daemon: its config check and its CLI's usage.
    writeFileSync(
      join(app, 'warden.yaml'),
      `dataDir: data\nagents:\n  - { id: web, command: node, args: [server.js] }\n`,
    )
    const check = await run(
      join(app, 'node_modules', '.bin', 'warden'),
      ['check', '--config', 'warden.yaml'],
      { cwd: app },
    )
    expect(check.stdout).toMatch(/warden\.yaml: ok — 1 agents \(web\), listen 127\.0\.0\.1:9477/)
    const help = await run(join(app, 'node_modules', '.bin', 'warden'), ['help'], { cwd: app })
    expect(help.stdout).toContain('warden status')

    const { stdout } = await run(process.execPath, ['dist/library.js'], { cwd: app, timeout: 30_000 })
    const m = /^web status=running pid=\d+ memoryRss=(\d+)$/m.exec(stdout)
    expect(m, stdout).not.toBeNull()
    expect(Number(m![1])).toBeGreaterThan(0)
    expect(stdout).toMatch(/^web points=[1-9]\d* hourly buckets=1$/m)
  }, 240_000)
})
