import { hostname } from 'node:os'
import { describe } from '@warden/utils'
import { InvalidOptionError } from './errors.js'
import type { ServerOptions, TokenOptions } from './options.js'
import { EventFile } from './sources/event-file.js'
import { DEFAULT_KEPT_EVENTS } from './sources/event-log.js'

const MAX_TIMER_MS = 2 ** 31 - 1
const KEYS = [
  'supervisor',
  'monitor',
  'host',
  'store',
  'auth',
  'logger',
  'id',
  'maxStreams',
  'heartbeatMs',
  'logPollMs',
  'dashboard',
  'keptEvents',
  'eventFile',
] as const satisfies ReadonlyArray<keyof ServerOptions>
const TOKEN_KEYS = ['token', 'access', 'name'] as const satisfies ReadonlyArray<keyof TokenOptions>
/** RFC 6750 token68, bounded: long enough to resist guessing, short enough to hash cheaply. */
const TOKEN = /^[A-Za-z0-9\-._~+/]{16,512}=*$/

/** Whether `token` is one `createServer` accepts (RFC 6750 token68, 16–512 characters, `=` padding): for configs checked before a server exists. */
export function isAcceptedToken(token: string): boolean {
  return TOKEN.test(token)
}
const NAME = /^[\w.@-]{1,64}$/
const LOGGER_METHODS = ['info', 'warn', 'error', 'debug', 'child'] as const

export interface ResolvedOptions
  extends Omit<Required<ServerOptions>, 'host' | 'store' | 'logger' | 'auth' | 'eventFile'> {
  readonly eventFile: EventFile | undefined
  readonly host: ServerOptions['host']
  readonly store: ServerOptions['store']
  readonly logger: ServerOptions['logger']
  readonly tokens: readonly Required<TokenOptions>[]
}

function fail(option: string, value: unknown, expected: string): never {
  throw new InvalidOptionError({
    option,
    // A token never travels in an error: it could end up in a log.
    value: option.endsWith('.token') ? '[redacted]' : value,
    message: `Expected \`${option}\` to be ${expected}, got ${option.endsWith('.token') ? 'an invalid token' : describe(value)}`,
  })
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

function checkKeys(
  where: string,
  prefix: string,
  o: Record<string, unknown>,
  allowed: readonly string[],
): void {
  for (const key of Object.keys(o)) {
    if (allowed.includes(key) || o[key] === undefined) continue
    throw new InvalidOptionError({
      option: `${prefix}${key}`,
      value: o[key],
      message: `Unknown key \`${prefix}${key}\` in ${where}; expected one of ${allowed.join(', ')}`,
    })
  }
}

function hasMethods(option: string, value: unknown, methods: readonly string[], what: string): void {
  if (!isObject(value) || methods.some((m) => typeof value[m] !== 'function')) {
    fail(option, value, `${what} (with ${methods.join(', ')})`)
  }
}

function int(option: string, value: unknown, fallback: number, min: number, max: number, unit = ''): number {
  if (value === undefined) return fallback
  if (!(Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max)) {
    fail(option, value, `an integer from ${min} to ${max}${unit}`)
  }
  return value as number
}

function bool(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') fail(option, value, 'a boolean')
  return value
}

function tokens(auth: unknown): Required<TokenOptions>[] {
  if (auth === false) return []
  if (!isObject(auth)) fail('auth', auth, 'an object { tokens } or false')
  checkKeys('`auth`', 'auth.', auth, ['tokens'])
  const list = auth.tokens
  if (!Array.isArray(list) || list.length === 0) fail('auth.tokens', list, 'a non-empty array')
  const seen = new Set<string>()
  const names = new Set<string>()
  return list.map((t: unknown, i) => {
    const at = `auth.tokens[${i}]`
    if (!isObject(t)) fail(at, t, 'an object { token, access, name? }')
    checkKeys(`\`${at}\``, `${at}.`, t, TOKEN_KEYS)
    if (typeof t.token !== 'string' || !TOKEN.test(t.token)) {
      fail(`${at}.token`, t.token, '16 to 512 characters of A-Z a-z 0-9 - . _ ~ + / (then = padding)')
    }
    if (seen.has(t.token)) fail(`${at}.token`, t.token, 'a token not configured twice')
    seen.add(t.token)
    if (t.access !== 'read' && t.access !== 'control') fail(`${at}.access`, t.access, "'read' or 'control'")
    const name = t.name ?? `token-${i}`
    if (typeof name !== 'string' || !NAME.test(name))
      fail(`${at}.name`, t.name, '1 to 64 characters of [A-Za-z0-9_.@-]')
    if (names.has(name)) fail(`${at}.name`, name, 'a name no other token has')
    names.add(name)
    return { token: t.token, access: t.access, name }
  })
}

/** Validates `createServer`'s options in the house style: unknown keys rejected, each value named. */
export function validateOptions(options: unknown): ResolvedOptions {
  if (!isObject(options)) fail('options', options, 'an object')
  checkKeys('the server options', '', options, KEYS)
  const o = options as Record<string, unknown>
  hasMethods(
    'supervisor',
    o.supervisor,
    ['list', 'get', 'spec', 'readLog', 'start', 'stop', 'restart', 'on', 'off'],
    'a Supervisor',
  )
  hasMethods(
    'monitor',
    o.monitor,
    ['latest', 'getResourceHistory', 'getResourceHistoryAggregated', 'on', 'off'],
    'a ResourceMonitor',
  )
  if (o.host !== undefined)
    hasMethods(
      'host',
      o.host,
      ['latest', 'discoverServices', 'gpuMemoryByAgent', 'on', 'off'],
      'a HostMonitor',
    )
  if (o.store !== undefined) hasMethods('store', o.store, ['get'], 'a FileMetadataStore')
  if (o.logger !== undefined) hasMethods('logger', o.logger, LOGGER_METHODS, 'a pino-compatible logger')
  if (o.eventFile !== undefined && !(o.eventFile instanceof EventFile))
    fail('eventFile', o.eventFile, 'an EventFile from openEventFile()')
  if (!('auth' in o)) fail('auth', undefined, 'an object { tokens } or false (no tokens: loopback only)')
  const id = o.id ?? hostname()
  if (typeof id !== 'string' || id === '' || id.length > 256)
    fail('id', o.id, 'a string of 1 to 256 characters')
  return {
    supervisor: o.supervisor as ResolvedOptions['supervisor'],
    monitor: o.monitor as ResolvedOptions['monitor'],
    host: o.host as ResolvedOptions['host'],
    store: o.store as ResolvedOptions['store'],
    logger: o.logger as ResolvedOptions['logger'],
    tokens: tokens(o.auth),
    id,
    maxStreams: int('maxStreams', o.maxStreams, 64, 1, 100_000),
    heartbeatMs: int('heartbeatMs', o.heartbeatMs, 15_000, 1, MAX_TIMER_MS, ' (ms)'),
    logPollMs: int('logPollMs', o.logPollMs, 250, 1, MAX_TIMER_MS, ' (ms)'),
    dashboard: bool('dashboard', o.dashboard, true),
    // Each kept event is a few hundred bytes of JSON: 100 000 stay within tens of MB.
    keptEvents: int('keptEvents', o.keptEvents, DEFAULT_KEPT_EVENTS, 1, 100_000),
    eventFile: o.eventFile as EventFile | undefined,
  }
}
