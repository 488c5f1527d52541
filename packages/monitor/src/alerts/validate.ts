import { checkThreshold } from '@warden/utils'
import { InvalidThresholdError } from '../errors.js'
import { type ResourceThreshold, THRESHOLD_RESOURCES } from './types.js'

const RESOURCES = new Set<string>(THRESHOLD_RESOURCES)

/**
 * Checks a threshold and returns a frozen copy, so later edits of the caller's object cannot
 * change an episode under way. `agentId` only labels the error.
 */
export function validateThreshold(input: unknown, agentId?: string): ResourceThreshold {
  return checkThreshold<ResourceThreshold>(input, {
    isResource: (key) => RESOURCES.has(key),
    resourceNames: THRESHOLD_RESOURCES,
    action: true,
    where: agentId === undefined ? 'threshold' : `threshold of agent "${agentId}"`,
    fail: (field, value, message) => {
      throw new InvalidThresholdError({ field, value, agentId, message })
    },
  })
}
