import { describe, expect, it } from 'vitest'
import { InvalidOptionError } from '../../src/errors.js'
import { createSampler, defaultBackend } from '../../src/sampler/create-sampler.js'
import { PidusageSampler } from '../../src/sampler/pidusage-sampler.js'
import { ProcfsSampler } from '../../src/sampler/procfs-sampler.js'

describe('createSampler', () => {
  it("picks procfs on Linux and pidusage elsewhere for 'auto'", () => {
    expect(defaultBackend('linux')).toBe('procfs')
    expect(defaultBackend('darwin')).toBe('pidusage')
    expect(defaultBackend('win32')).toBe('pidusage')
    const auto = createSampler()
    expect(auto.backend).toBe(process.platform === 'linux' ? 'procfs' : 'pidusage')
    auto.close()
  })

  it('builds the backend asked for', () => {
    const procfs = createSampler('procfs', { keepFdsOpen: false })
    const pidusage = createSampler('pidusage')
    expect(procfs).toBeInstanceOf(ProcfsSampler)
    expect(pidusage).toBeInstanceOf(PidusageSampler)
    expect(pidusage.backend).toBe('pidusage')
    procfs.close()
    pidusage.close()
  })

  it('rejects an unknown backend with a message naming it', () => {
    expect(() => createSampler('ps' as never)).toThrow(InvalidOptionError)
    expect(() => createSampler('ps' as never)).toThrow(
      "Expected `backend` to be 'auto', 'procfs' or 'pidusage', got \"ps\" (string)",
    )
  })
})
