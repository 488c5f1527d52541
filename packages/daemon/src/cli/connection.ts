import { readFile } from 'node:fs/promises'
import { errnoCode, messageOf } from '@warden/utils'
import { UsageError } from './errors.js'

export const DEFAULT_URL = 'http://127.0.0.1:9477'

/** RFC 6750 token68, as the server accepts it: a token with other characters could never match. */
const TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

export interface ConnectionFlags {
  readonly url?: string | undefined
  readonly token?: string | undefined
  readonly tokenFile?: string | undefined
}

/** The daemon's base URL: --url, else WARDEN_URL, else the default; http(s) only, no trailing slash. */
export function resolveUrl(flag: string | undefined, env: Record<string, string | undefined>): string {
  const given = flag ?? (env.WARDEN_URL || undefined) ?? DEFAULT_URL
  const from = flag === undefined && env.WARDEN_URL ? 'WARDEN_URL' : '--url'
  let url: URL
  try {
    url = new URL(given)
  } catch {
    throw new UsageError(`${from} expects a URL such as ${DEFAULT_URL}, got ${JSON.stringify(given)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${from} expects an http:// or https:// URL, got ${JSON.stringify(given)}`)
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new UsageError(
      `${from} expects a URL without query, fragment or credentials, got ${JSON.stringify(given)}`,
    )
  }
  return url.href.replace(/\/+$/, '')
}

/** The bearer token: --token or --token-file (not both), else WARDEN_TOKEN; undefined when none is given. */
export async function resolveToken(
  flags: ConnectionFlags,
  env: Record<string, string | undefined>,
): Promise<string | undefined> {
  if (flags.token !== undefined && flags.tokenFile !== undefined) {
    throw new UsageError('give --token or --token-file, not both')
  }
  let token: string | undefined
  let from: string
  if (flags.tokenFile !== undefined) {
    from = `--token-file ${flags.tokenFile}`
    try {
      token = (await readFile(flags.tokenFile, 'utf8')).trim()
    } catch (error) {
      throw new UsageError(
        `cannot read --token-file ${flags.tokenFile}: ${errnoCode(error) ?? messageOf(error)}`,
      )
    }
  } else {
    from = flags.token === undefined ? 'WARDEN_TOKEN' : '--token'
    token = flags.token ?? (env.WARDEN_TOKEN?.trim() || undefined)
  }
  if (token === '') throw new UsageError(`${from} is empty`)
  // The token itself is never echoed: it may be a real one with a typo.
  if (token !== undefined && !TOKEN.test(token)) {
    throw new UsageError(
      `the token from ${from} has characters a bearer token cannot have (A-Z a-z 0-9 - . _ ~ + / and = padding)`,
    )
  }
  return token
}
