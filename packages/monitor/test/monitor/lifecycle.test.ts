import { execFile } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const here = dirname(fileURLToPath(import.meta.url))

describe('ResourceMonitor lifecycle', () => {
  it("start() ticks at once and its timer is unref'd: a started monitor does not keep the process alive", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=@warden/source', '--import', 'tsx', join(here, '..', 'helpers', 'unref-child.ts')],
      { timeout: 20_000 },
    )
    expect(stdout.trim()).toBe('polled 1')
  })
})
