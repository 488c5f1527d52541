import { InvalidAgentIdError } from '../errors/errors.js'

export const MAX_AGENT_ID_LENGTH = 128
const ALLOWED = /^[A-Za-z0-9._-]+$/

/** Throws `InvalidAgentIdError` unless `id` is safe to use as a file name inside the store directory. */
export function assertAgentId(id: unknown): asserts id is string {
  if (typeof id !== 'string') throw new InvalidAgentIdError({ id, reason: 'expected a string' })
  if (id.length === 0) throw new InvalidAgentIdError({ id, reason: 'must not be empty' })
  if (id === '.' || id === '..') throw new InvalidAgentIdError({ id, reason: 'must not be "." or ".."' })
  if (id.length > MAX_AGENT_ID_LENGTH) {
    throw new InvalidAgentIdError({
      id,
      reason: `longer than ${MAX_AGENT_ID_LENGTH} characters (${id.length})`,
    })
  }
  if (id.includes('\0')) throw new InvalidAgentIdError({ id, reason: 'contains a NUL character' })
  if (id.includes('/') || id.includes('\\'))
    throw new InvalidAgentIdError({ id, reason: 'contains a path separator' })
  if (!ALLOWED.test(id))
    throw new InvalidAgentIdError({ id, reason: 'only A-Z, a-z, 0-9, ".", "_" and "-" are allowed' })
}

/** The same rule as a boolean. */
export function isAgentId(id: string): boolean {
  return id.length > 0 && id.length <= MAX_AGENT_ID_LENGTH && id !== '.' && id !== '..' && ALLOWED.test(id)
}
