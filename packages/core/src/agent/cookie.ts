import { randomBytes } from 'node:crypto'

/**
 * The environment variable every spawned agent process carries (Jenkins' ProcessTreeKiller does
 * the same with BUILD_ID): descendants inherit it, so stop() finds them by scanning
 * /proc/<pid>/environ even after a double fork + setsid took them out of the tree and the group.
 */
export const AGENT_COOKIE_ENV = 'WARDEN_AGENT_COOKIE'

/** A fresh unguessable cookie value: a stranger can only carry it by inheriting it. */
export function newCookie(): string {
  return randomBytes(16).toString('hex')
}

/** The `NAME=value` entry the processes of a run carry. */
export const cookieEntry = (cookie: string): string => `${AGENT_COOKIE_ENV}=${cookie}`
