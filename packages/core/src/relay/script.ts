import { createHash, randomBytes } from 'node:crypto'
import { renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { privateDir } from './private-dir.js'

let script: Promise<string> | undefined

/**
 * The file `node` runs as the log relay. Built, it is `main.js` next to this module. From the
 * TypeScript source (tests, examples run with tsx) Node 20 cannot run it: it is bundled (esbuild, a
 * dev dependency of the workspace) into one file in the relays' private directory, named by its
 * content.
 */
export function relayScript(): Promise<string> {
  script ??= import.meta.url.endsWith('.ts')
    ? bundle().catch((error: unknown) => {
        script = undefined
        throw error
      })
    : Promise.resolve(fileURLToPath(new URL('./main.js', import.meta.url)))
  return script
}

async function bundle(): Promise<string> {
  const esbuild = await import('esbuild')
  const result = esbuild.buildSync({
    entryPoints: [fileURLToPath(new URL('./main.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  })
  const code = result.outputFiles[0]!.contents
  const path = join(privateDir(), `${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`)
  const tmp = `${path}.${randomBytes(6).toString('hex')}`
  writeFileSync(tmp, code, { mode: 0o600 })
  renameSync(tmp, path)
  return path
}
