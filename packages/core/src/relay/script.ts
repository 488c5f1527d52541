import { createHash, randomBytes } from 'node:crypto'
import { chmodSync, lstatSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

let script: Promise<string> | undefined

/**
 * The file `node` runs as the log relay. Built, it is `main.js` next to this module. From the
 * TypeScript source (tests, examples run with tsx) Node 20 cannot run it, and the relay may run
 * as a user who cannot read the checkout: it is bundled (esbuild, a dev dependency of the
 * workspace) into one file in a directory of our own under the temp dir, named by its content.
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
  const dir = join(tmpdir(), `warden-relay-${process.getuid?.() ?? 'user'}`)
  mkdirSync(dir, { recursive: true, mode: 0o755 })
  // The temp dir is shared: only a real directory of ours that no one else can write to is trusted.
  const st = lstatSync(dir)
  if (!st.isDirectory() || st.uid !== process.getuid?.() || (st.mode & 0o022) !== 0) {
    throw new Error(`${dir} is not a directory owned by this user and writable only by it`)
  }
  // Readable by the users relays run as, whatever the umask.
  chmodSync(dir, 0o755)
  const path = join(dir, `${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`)
  const tmp = `${path}.${randomBytes(6).toString('hex')}`
  writeFileSync(tmp, code)
  chmodSync(tmp, 0o644)
  renameSync(tmp, path)
  return path
}
