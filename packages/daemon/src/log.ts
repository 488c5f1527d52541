import type { Supervisor } from '@warden/core'
import type { HostMonitor } from '@warden/host'
import type { ResourceMonitor } from '@warden/monitor'
import { type DestinationStream, type Logger, pino } from 'pino'
import pretty from 'pino-pretty'
import { formatBytes } from './cli/format/units.js'
import type { LogLevel } from './config/load.js'

export type { Logger } from 'pino'

export interface LoggerOptions {
  readonly level?: LogLevel
  /** `auto`: pretty when `destination` is a terminal, else JSON lines. */
  readonly format?: 'auto' | 'json' | 'pretty'
  /** @default process.stdout */
  readonly destination?: NodeJS.WritableStream & { isTTY?: boolean }
}

const PRETTY_HIDDEN = [
  'pid',
  'hostname',
  'event',
  'agent',
  'subject',
  'resource',
  'value',
  'threshold',
  'exceededForMs',
  'reason',
  'restarts',
  'adopted',
  'code',
  'signal',
  'uptimeMs',
  'expected',
  'stderrTail',
  'attempt',
  'delayMs',
  'url',
  'agents',
  'dataDir',
  'auth',
  'outcome',
  'outcomes',
  'failures',
  'added',
  'removed',
  'changed',
  'thresholds',
  'unchanged',
  'needsRestart',
  'collector',
  'step',
  'component',
  'available',
]

/** The daemon's logger: JSON lines (one object per line, `time` in ms), or pino-pretty's lines for a person. */
export function createLogger({
  level = 'info',
  format = 'auto',
  destination = process.stdout,
}: LoggerOptions = {}): Logger {
  const human = format === 'pretty' || (format === 'auto' && destination.isTTY === true)
  const stream: DestinationStream = human
    ? pretty({
        destination,
        colorize: destination.isTTY === true,
        translateTime: 'SYS:HH:MM:ss',
        // The message says it all for a person; the fields are for JSON readers. (Not `hideObject`:
        // pino-pretty 13 then drops the line's end of line.)
        ignore: PRETTY_HIDDEN.join(','),
        singleLine: true,
        sync: true,
      })
    : (destination as DestinationStream)
  return pino(
    { level, base: { pid: process.pid }, formatters: { level: (label) => ({ level: label }) } },
    stream,
  )
}

const fmtPercent = (v: number | null) => (v === null ? '–' : `${v.toFixed(1)} %`)
const fmtValue = (resource: string, v: number | null) =>
  v === null
    ? '–'
    : resource.toLowerCase().includes('percent') || resource.startsWith('psi')
      ? fmtPercent(v)
      : /bytes/i.test(resource)
        ? formatBytes(v)
        : String(Math.round(v * 10) / 10)
const fmtMs = (ms: number) =>
  ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`

/**
 * One log line per lifecycle and alert event: readable `msg`, structured fields (`event`, `agent`, …)
 * for whoever reads the JSON. Returns a function that detaches every listener.
 */
export function logEvents(
  log: Logger,
  supervisor: Supervisor,
  monitor: ResourceMonitor,
  host: HostMonitor | undefined,
): () => void {
  const off: (() => void)[] = []
  // biome-ignore lint/suspicious/noExplicitAny: one helper over three typed emitters; payloads are typed at each call
  type Emitter = { on(e: string, f: (p: any) => void): unknown; off(e: string, f: (p: any) => void): unknown }
  // biome-ignore lint/suspicious/noExplicitAny: see above
  const on = (target: object, event: string, fn: (payload: any) => void) => {
    const emitter = target as Emitter
    emitter.on(event, fn)
    off.push(() => emitter.off(event, fn))
  }
  on(supervisor, 'agent:start', (e: { id: string; pid: number; adopted: boolean; restartCount: number }) =>
    log.info(
      { event: 'agent:start', agent: e.id, pid: e.pid, adopted: e.adopted, restarts: e.restartCount },
      `${e.id}: ${e.adopted ? 'adopted' : 'started'}, pid ${e.pid}${e.restartCount > 0 ? ` (restart ${e.restartCount})` : ''}`,
    ),
  )
  on(
    supervisor,
    'agent:exit',
    (e: {
      id: string
      pid: number
      code: number | null
      signal: string | null
      uptimeMs: number
      expected: boolean
      stderrTail: string[]
    }) => {
      const how =
        e.signal !== null
          ? `killed by ${e.signal}`
          : e.code !== null
            ? `exited with code ${e.code}`
            : 'exited'
      const fields = {
        event: 'agent:exit',
        agent: e.id,
        pid: e.pid,
        code: e.code,
        signal: e.signal,
        uptimeMs: e.uptimeMs,
        expected: e.expected,
        stderrTail: e.stderrTail,
      }
      const msg = `${e.id}: ${how} after ${fmtMs(e.uptimeMs)}${e.expected ? ' (asked to stop)' : ''}${!e.expected && e.stderrTail.length > 0 ? ` — ${e.stderrTail.at(-1)}` : ''}`
      if (e.expected || e.code === 0) log.info(fields, msg)
      else log.warn(fields, msg)
    },
  )
  on(supervisor, 'agent:backoff', (e: { id: string; attempt: number; delayMs: number; error?: Error }) =>
    log.warn(
      { event: 'agent:backoff', agent: e.id, attempt: e.attempt, delayMs: e.delayMs, err: e.error },
      `${e.id}: restarting in ${fmtMs(e.delayMs)} (attempt ${e.attempt})${e.error ? ` — ${e.error.message}` : ''}`,
    ),
  )
  on(supervisor, 'agent:fatal', (e: { id: string; reason: string; error?: Error; stderrTail?: string[] }) =>
    log.error(
      { event: 'agent:fatal', agent: e.id, reason: e.reason, err: e.error, stderrTail: e.stderrTail },
      `${e.id}: gave up (${e.reason === 'start-limit' ? 'crash loop: start limit reached' : 'cannot spawn'}) — \`warden start ${e.id}\` to try again`,
    ),
  )
  on(supervisor, 'agent:error', (e: { id: string; error: Error & { code: string } }) =>
    log.error(
      { event: 'agent:error', agent: e.id, code: e.error.code, err: e.error },
      `${e.id}: ${e.error.message}`,
    ),
  )
  type Alert = {
    agentId?: string
    subject?: string
    resource: string
    level: string
    value: number | null
    threshold: number
    exceededForMs: number
    restart?: boolean
    reason?: string
  }
  const alert = (source: 'agent' | 'host') => (a: Alert) => {
    const who = a.agentId ?? a.subject ?? 'host'
    const fields = {
      event: `threshold:${a.level}`,
      [source === 'agent' ? 'agent' : 'subject']: who,
      resource: a.resource,
      value: a.value,
      threshold: a.threshold,
      exceededForMs: a.exceededForMs,
    }
    const line = `${fmtValue(a.resource, a.threshold)}`
    if (a.level === 'warning')
      log.warn(fields, `${who}: ${a.resource} ${fmtValue(a.resource, a.value)} is over ${line} (warning)`)
    else if (a.level === 'error')
      log.error(
        fields,
        `${who}: ${a.resource} ${fmtValue(a.resource, a.value)} over ${line} for ${fmtMs(a.exceededForMs)} (error)${a.restart ? ' — restarting it' : ''}`,
      )
    else if (a.reason === 'recovered')
      log.info({ ...fields, reason: a.reason }, `${who}: ${a.resource} back under ${line} (resolved)`)
    else
      log.info(
        { ...fields, reason: a.reason },
        `${who}: ${a.resource} alert ended (${a.reason === 'gone' ? 'its process is gone' : 'thresholds changed'})`,
      )
  }
  for (const level of ['warning', 'error', 'resolved']) {
    on(monitor, `threshold:${level}`, alert('agent'))
    if (host !== undefined) on(host, `threshold:${level}`, alert('host'))
  }
  on(monitor, 'restart', (e: { agentId: string; alert: Alert }) =>
    log.info(
      { event: 'monitor:restart', agent: e.agentId, resource: e.alert.resource },
      `${e.agentId}: restarted for its ${e.alert.resource}`,
    ),
  )
  on(monitor, 'collect-error', (e: { agentId?: string; error: Error & { code: string } }) =>
    log.warn(
      { event: 'collect-error', agent: e.agentId, code: e.error.code, err: e.error },
      `${e.agentId ?? 'monitor'}: ${e.error.message}`,
    ),
  )
  if (host !== undefined) {
    on(host, 'collector-error', (e: { collector: string; error: Error & { code: string } }) => {
      // A collector with nothing to read on this host (no GPU, no systemd) is said once, as news.
      if (e.error.code === 'ERR_HOST_UNAVAILABLE') {
        log.info(
          { event: 'collector-error', collector: e.collector, code: e.error.code, available: false },
          `host ${e.collector}: not available here (${e.error.message.replace(/^.*unavailable: /, '')})`,
        )
      } else
        log.warn(
          { event: 'collector-error', collector: e.collector, code: e.error.code },
          `host ${e.collector}: ${e.error.message}`,
        )
    })
  }
  return () => {
    for (const f of off) f()
  }
}
