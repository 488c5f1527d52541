import { WardenError } from '@warden/utils'
import { InvalidRecordError, UnknownUserError } from '../errors.js'
import { type ResolvedSpec, resolveSpec } from '../options.js'
import { type AgentStatus, AGENT_STATUSES as STATUSES } from '../registry/types.js'
import { TOKEN_PATTERN } from '../relay/record.js'
import type { PersistedAgentState, StoredRelay, StoredRun } from './state.js'

/** A saved state, checked field by field: a hand-edited or stale record must not make us spawn garbage. */
export type DecodedRecord =
  /** No state of ours (e.g. a record holding only the monitor's history, or a removed agent). */
  | { readonly kind: 'absent' }
  | { readonly kind: 'invalid'; readonly error: InvalidRecordError }
  | { readonly kind: 'ok'; readonly state: PersistedAgentState; readonly spec: ResolvedSpec }

/** A field that breaks its rule (or a spec that fails validation: `cause`). */
class Bad extends Error {
  constructor(
    readonly field: string,
    readonly expected: string,
    readonly value: unknown,
    override readonly cause?: WardenError,
  ) {
    super(field)
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
const isInt = (v: unknown, min: number): v is number => Number.isSafeInteger(v) && (v as number) >= min

function check<T>(field: string, value: unknown, expected: string, ok: (v: unknown) => boolean): T {
  if (!ok(value)) throw new Bad(field, expected, value)
  return value as T
}

/** The run's relay; a record of an older Warden has none (its relays, one per process, are not attached again). */
function relay(v: unknown): StoredRelay | null {
  if (v === undefined || v === null) return null
  const ok =
    isObject(v) &&
    isInt(v.pid, 1) &&
    isInt(v.startTicks, 0) &&
    typeof v.token === 'string' &&
    TOKEN_PATTERN.test(v.token) &&
    typeof v.socket === 'string' &&
    v.socket.startsWith('/') &&
    !v.socket.includes('\0') &&
    typeof v.key === 'string' &&
    /^[0-9a-f]{16}$/.test(v.key)
  if (!ok) throw new Bad('run.relay', 'an object { pid, startTicks, token, socket, key }, or null', v)
  const r = v as unknown as StoredRelay
  return { pid: r.pid, startTicks: r.startTicks, token: r.token, socket: r.socket, key: r.key }
}

function run(v: unknown): StoredRun | null {
  if (v === null) return null
  if (!isObject(v)) throw new Bad('run', 'an object or null', v)
  const file = v.stderrFile
  if (file !== null && !(isObject(file) && isInt(file.dev, 0) && isInt(file.ino, 0))) {
    throw new Bad('run.stderrFile', 'an object { dev, ino } of integers, or null', file)
  }
  return {
    bootId: check(
      'run.bootId',
      v.bootId,
      'a boot id',
      (x) => typeof x === 'string' && /^[0-9a-f-]{32,36}$/.test(x),
    ),
    cookie: check(
      'run.cookie',
      v.cookie,
      '32 hex digits',
      (x) => typeof x === 'string' && /^[0-9a-f]{32}$/.test(x),
    ),
    cookieSinceTicks: check(
      'run.cookieSinceTicks',
      v.cookieSinceTicks,
      'an integer >= 0 or null',
      (x) => x === null || isInt(x, 0),
    ),
    relay: relay(v.relay),
    stderrFile: file === null ? null : { dev: file.dev as number, ino: file.ino as number },
  }
}

/** Restores `env: null` (a removed variable) as `undefined`. */
function specInput(id: string, spec: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = { ...spec, id }
  if (isObject(spec.env)) {
    input.env = Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, v === null ? undefined : v]))
  }
  return input
}

/** Reads core's state out of an agent's store record. */
export function decodeRecord(id: string, record: Record<string, unknown>): DecodedRecord {
  if (record.spec === undefined) return { kind: 'absent' }
  try {
    const spec = check<Record<string, unknown>>('spec', record.spec, 'an object', isObject)
    let resolved: ResolvedSpec
    try {
      resolved = resolveSpec(specInput(id, spec), false)
    } catch (error) {
      if (!(error instanceof WardenError)) throw error
      const option = (error as { option?: unknown }).option
      const field =
        error instanceof UnknownUserError
          ? `spec.${error.kind}`
          : typeof option === 'string'
            ? `spec.${option}`
            : 'spec'
      throw new Bad(field, '', undefined, error)
    }
    const pid = check<number | null>(
      'pid',
      record.pid,
      'a positive integer or null',
      (v) => v === null || isInt(v, 1),
    )
    const startTicks = check<number | null>(
      'startTicks',
      record.startTicks,
      'an integer >= 0 or null',
      (v) => v === null || isInt(v, 0),
    )
    const lastExit = record.lastExit
    const tail = isObject(lastExit) ? lastExit.stderrTail : undefined
    const state: PersistedAgentState = {
      status: check('status', record.status, `one of ${STATUSES.join(', ')}`, (v) =>
        STATUSES.includes(v as AgentStatus),
      ),
      restartCount: check('restartCount', record.restartCount, 'an integer >= 0', (v) => isInt(v, 0)),
      ...(record.oomRestarts === undefined
        ? {}
        : {
            oomRestarts: check<number>('oomRestarts', record.oomRestarts, 'an integer >= 0', (v) =>
              isInt(v, 0),
            ),
          }),
      startTime: check(
        'startTime',
        record.startTime ?? null,
        'a number or null',
        (v) => v === null || Number.isFinite(v),
      ),
      pid,
      startTicks,
      adopted: check('adopted', record.adopted, 'a boolean', (v) => typeof v === 'boolean'),
      want: check('want', record.want, '"up" or "down"', (v) => v === 'up' || v === 'down'),
      run: run(record.run),
      spec: spec as PersistedAgentState['spec'],
      ...(record.type === undefined
        ? {}
        : { type: check<string>('type', record.type, 'a string', (v) => typeof v === 'string') }),
      ...(record.labels === undefined ? {} : { labels: record.labels as Record<string, string> }),
      // The store checks these shapes; only our own addition is checked here.
      ...(isObject(lastExit)
        ? {
            lastExit: check(
              'lastExit.stderrTail',
              { ...lastExit },
              'an array of strings',
              () => tail === undefined || (Array.isArray(tail) && tail.every((l) => typeof l === 'string')),
            ),
          }
        : {}),
      ...(isObject(record.lastError)
        ? { lastError: record.lastError as PersistedAgentState['lastError'] }
        : {}),
    }
    return { kind: 'ok', state, spec: resolved }
  } catch (error) {
    if (!(error instanceof Bad)) throw error
    const { field, cause } = error
    return {
      kind: 'invalid',
      error: new InvalidRecordError(
        cause ? { id, field, cause } : { id, field, expected: error.expected, value: error.value },
      ),
    }
  }
}
