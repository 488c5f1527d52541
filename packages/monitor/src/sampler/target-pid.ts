import { describe } from '@warden/utils'
import { InvalidOptionError } from '../errors.js'
import type { SampleTarget } from './types.js'

/** Both samplers reject a target whose pid is not a positive integer with this error; undefined when it is one. */
export function invalidPidError(target: SampleTarget): InvalidOptionError | undefined {
  if (Number.isSafeInteger(target.pid) && target.pid > 0) return undefined
  return new InvalidOptionError({
    option: 'pid',
    value: target.pid,
    message: `Expected \`pid\` of target "${target.id}" to be a positive integer, got ${describe(target.pid)}`,
  })
}
