import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { isSameProcessAlive } from '@warden/utils'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))

describe('examples/supervise.ts', () => {
  it('runs: crash loop ends fatal, shutdown stops everything', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=@warden/source', '--import', 'tsx', 'examples/supervise.ts'],
      { cwd: root, timeout: 60_000 },
    )
    expect(stdout).toMatch(/^backoff crasher attempt=1 delay=50ms$/m)
    expect(stdout).toMatch(/^backoff crasher attempt=3 delay=200ms$/m)
    expect(stdout).toMatch(/^fatal {3}crasher reason=start-limit$/m)
    expect(stdout).toMatch(/^log {5}ticker stdout: tick 1$/m)
    expect(stdout).toMatch(/^exit {4}ticker code=null signal=SIGTERM .* expected=true$/m)
    expect(stdout).toMatch(/shutdown complete: ticker=stopped crasher=fatal\n$/)
    // The ticker's process (identity pid + start ticks) is gone after the example exits.
    const m = /^start {3}ticker pid=(\d+) startTicks=(\d+)$/m.exec(stdout)
    expect(m).not.toBeNull()
    expect(isSameProcessAlive({ pid: Number(m![1]), startTicks: Number(m![2]) })).toBe(false)
  })
})
