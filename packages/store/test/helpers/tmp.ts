import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileMetadataStore, type FileMetadataStoreOptions } from '@warden/store'
import { afterEach } from 'vitest'

const dirs: string[] = []
const stores: FileMetadataStore[] = []

/** A fresh temp dir, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'warden-store-'))
  dirs.push(dir)
  return dir
}

/** An opened store (closed after the test). */
export async function openStore(opts: Partial<FileMetadataStoreOptions> = {}): Promise<FileMetadataStore> {
  const store = new FileMetadataStore({ dir: opts.dir ?? tempDir(), ...opts })
  await store.open()
  stores.push(store)
  return store
}

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()))
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
