import { readFileSync } from 'node:fs'
import { UnknownUserError, UserSwitchDeniedError } from '../errors.js'
import { fail, intRange } from '../validate.js'

/** Who an agent runs as (and owns its log files). */
export interface ProcessUser {
  readonly uid: number
  readonly gid: number
  /** From /etc/passwd, when the uid has an entry: HOME, USER and LOGNAME are set from it. */
  readonly name?: string
  readonly home?: string
}

/** The largest id a 32-bit uid_t/gid_t holds but -1 ("no change" for setuid). */
const MAX_ID = 2 ** 32 - 2

interface Entry {
  readonly name: string
  readonly id: number
  readonly gid?: number
  readonly home?: string
}

/** The entries of /etc/passwd or /etc/group (`name:x:id:...`); empty when it cannot be read. */
function readDatabase(path: string, passwd: boolean): Entry[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return []
  }
  const entries: Entry[] = []
  for (const line of text.split('\n')) {
    const f = line.split(':')
    if (f.length < 3 || f[0] === '' || line.startsWith('#')) continue
    const id = Number(f[2])
    if (!Number.isInteger(id)) continue
    entries.push(
      passwd ? { name: f[0]!, id, gid: Number(f[3]), home: f[5] || undefined } : { name: f[0]!, id },
    )
  }
  return entries
}

const nameOption = (option: string, value: unknown): string =>
  typeof value === 'string' && /^[^:\s\0]+$/.test(value)
    ? value
    : fail(option, 'a user or group name (no spaces, ":" or NUL)', value)

/**
 * The user an agent asks for (`user` or `uid`, `group` or `gid`), resolved through /etc/passwd and
 * /etc/group (no NSS/LDAP: the files only); undefined to run as the supervisor. The group defaults
 * to the user's primary group. Only root may switch to another uid or gid.
 */
export function resolveUser(
  id: string,
  s: { user?: unknown; uid?: unknown; group?: unknown; gid?: unknown },
): ProcessUser | undefined {
  if (s.user === undefined && s.uid === undefined && s.group === undefined && s.gid === undefined)
    return undefined
  if (s.user !== undefined && s.uid !== undefined) fail('uid', 'absent when `user` is given', s.uid)
  if (s.group !== undefined && s.gid !== undefined) fail('gid', 'absent when `group` is given', s.gid)
  const users = readDatabase('/etc/passwd', true)
  let entry: Entry | undefined
  let uid: number
  if (s.user !== undefined) {
    const name = nameOption('user', s.user)
    entry = users.find((u) => u.name === name)
    if (entry === undefined) throw new UnknownUserError({ id, kind: 'user', account: name })
    uid = entry.id
  } else if (s.uid !== undefined) {
    uid = intRange('uid', s.uid, 0, 0, MAX_ID)
    entry = users.find((u) => u.id === uid)
  } else {
    uid = process.getuid?.() ?? 0
  }
  let gid: number
  if (s.group !== undefined) {
    const name = nameOption('group', s.group)
    const group = readDatabase('/etc/group', false).find((g) => g.name === name)
    if (group === undefined) throw new UnknownUserError({ id, kind: 'group', account: name })
    gid = group.id
  } else if (s.gid !== undefined) {
    gid = intRange('gid', s.gid, 0, 0, MAX_ID)
  } else if (entry?.gid !== undefined && Number.isInteger(entry.gid)) {
    gid = entry.gid
  } else if (s.uid === undefined) {
    gid = process.getgid?.() ?? 0
  } else {
    // Keeping the supervisor's group (root's, often) would give the agent more than its uid.
    return fail('gid', `an integer (uid ${uid} has no /etc/passwd entry to take its group from)`, undefined)
  }
  const self = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, egid: process.getegid?.() ?? 0 }
  if (self.uid !== 0 && (uid !== self.uid || (gid !== self.gid && gid !== self.egid))) {
    throw new UserSwitchDeniedError({ id, uid, gid, supervisorUid: self.uid })
  }
  return { uid, gid, ...(entry ? { name: entry.name, home: entry.home } : {}) }
}
