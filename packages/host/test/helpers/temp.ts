import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Temp dirs of one test file, removed by `removeAll()` (call it in afterEach/afterAll). */
export class TempDirs {
  readonly #dirs: string[] = []

  make(prefix = 'warden-host-'): string {
    const dir = mkdtempSync(join(tmpdir(), prefix))
    this.#dirs.push(dir)
    return dir
  }

  removeAll(): void {
    for (const dir of this.#dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  }
}
