import { describe } from '@warden/utils'
import { InvalidOptionError } from '../errors.js'
import { PidusageSampler } from './pidusage-sampler.js'
import { ProcfsSampler, type ProcfsSamplerOptions } from './procfs-sampler.js'
import type { Sampler } from './types.js'

export type SamplerBackend = 'auto' | 'procfs' | 'pidusage'

/** The backend `'auto'` picks here: procfs on Linux, pidusage elsewhere. */
export function defaultBackend(platform: NodeJS.Platform = process.platform): 'procfs' | 'pidusage' {
  return platform === 'linux' ? 'procfs' : 'pidusage'
}

/**
 * A sampler for `backend`: `'auto'` = procfs on Linux, pidusage elsewhere. `procfsOptions`
 * apply to the procfs backend only.
 */
export function createSampler(
  backend: SamplerBackend = 'auto',
  procfsOptions?: ProcfsSamplerOptions,
): Sampler {
  const chosen = backend === 'auto' ? defaultBackend() : backend
  if (chosen === 'procfs') return new ProcfsSampler(procfsOptions)
  if (chosen === 'pidusage') return new PidusageSampler()
  throw new InvalidOptionError({
    option: 'backend',
    value: backend,
    message: `Expected \`backend\` to be 'auto', 'procfs' or 'pidusage', got ${describe(backend)}`,
  })
}
