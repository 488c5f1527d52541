import { afterEach, describe, expect, it } from 'vitest'
import { parseStatm, readStatmPath } from '../../src/procfs/statm.js'
import { pageSize } from '../../src/procfs/system.js'
import { killAll, startProcess, statusField } from '../sampler/processes.js'

afterEach(killAll)

describe('statm', () => {
  it('parses size and resident pages into bytes', () => {
    expect(parseStatm('730 438 411 5 0 89 0\n')).toEqual({
      vmsBytes: 730 * pageSize(),
      rssBytes: 438 * pageSize(),
    })
  })

  it('rejects text that is not statm', () => {
    expect(parseStatm('')).toBeUndefined()
    expect(parseStatm('12')).toBeUndefined()
    expect(parseStatm('x 1 2')).toBeUndefined()
  })

  it('gives exactly status VmRSS and VmSize for a quiet process', async () => {
    const child = await startProcess('/bin/sh', ['-c', 'echo ready; exec sleep 1000'])
    // Wait until the exec is done (comm changes) so the memory map is stable.
    const deadline = performance.now() + 5000
    while (
      !/^Name:\s+sleep$/m.test(
        await import('node:fs').then((fs) => fs.readFileSync(`/proc/${child.pid}/status`, 'latin1')),
      )
    ) {
      if (performance.now() > deadline) throw new Error('sleep never exec’d')
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(readStatmPath(child.pid)).toEqual({
      rssBytes: statusField(child.pid, 'VmRSS') * 1024,
      vmsBytes: statusField(child.pid, 'VmSize') * 1024,
    })
  })
})
