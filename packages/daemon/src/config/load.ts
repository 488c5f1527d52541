import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, isAbsolute, resolve } from 'node:path'
import { type AgentSpec, Supervisor } from '@warden/core'
import type { HostMonitorOptions, HostThreshold } from '@warden/host'
import { HostMonitor } from '@warden/host'
import { ResourceMonitor, type ResourceThreshold } from '@warden/monitor'
import { isAcceptedToken, type TokenOptions } from '@warden/server'
import { errnoCode, InvalidOptionError, messageOf, WardenError } from '@warden/utils'
import { LineCounter, parseDocument } from 'yaml'
import { ConfigError, type ConfigIssue } from '../errors.js'
import {
  type AgentEntry,
  type ConfigFile,
  ConfigSchema,
  HostThresholdSchema,
  type ThresholdEntry,
} from './schema.js'
import { parseDuration, parseSize, suggest } from './units.js'
import { isPlainObject, Locator, schemaIssues } from './validate.js'

export const DEFAULT_PORT = 9477
/** The supervisor's defaults: an agent's `stopTimeoutMs`, and how long SIGKILLed processes are waited for. */
const DEFAULT_STOP_TIMEOUT_MS = 10_000
const KILL_TIMEOUT_MS = 5000
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

/** One configured agent: what the supervisor runs and the monitor watches. */
export interface DaemonAgent {
  readonly spec: AgentSpec
  /** Its thresholds (own, else `defaults.thresholds`); `null`: none. */
  readonly threshold: ResourceThreshold | null
}

/** A config file, checked and resolved: paths absolute, durations in ms, sizes in bytes. */
export interface DaemonConfig {
  /** The file it was read from (absolute). */
  readonly file: string
  readonly nodeId: string | undefined
  readonly listen: { readonly host: string; readonly port: number }
  readonly tokens: readonly TokenOptions[]
  /** Holds `agents/` (the store), `host/` (host history) and `logs/`. */
  readonly dataDir: string
  /** The Supervisor's `cgroupParent`: `'auto'`, a path, or `null` (no cgroups). */
  readonly cgroupParent: string | null
  readonly intervalMs: number
  readonly hostIntervalMs: number
  readonly includeChildren: boolean
  readonly shutdownTimeoutMs: number
  /** Lifecycle and alert events kept (in `<dataDir>/events.jsonl` and in memory): how far back the dashboard's markers reach. */
  readonly keptEvents: number
  readonly log: {
    readonly level: LogLevel
    readonly format: 'auto' | 'json' | 'pretty'
    /** One line per HTTP answer (else only the server's warnings and errors). */
    readonly requests: boolean
  }
  readonly agents: readonly DaemonAgent[]
  /** The host monitor's collectors and alert lines (`intervalMs` and `history` are the daemon's). */
  readonly host: Pick<HostMonitorOptions, 'disks' | 'gpu' | 'systemd' | 'temperature' | 'threshold'>
}

/** What the command line or the environment sets over the file. */
export interface ConfigOverrides {
  readonly dataDir?: string
  readonly listen?: string
  readonly logFormat?: 'auto' | 'json' | 'pretty'
}

export interface LoadOptions {
  /** `WARDEN_TOKEN` (a control token named `env`), `STATE_DIRECTORY` (systemd's, the default `dataDir`). */
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly overrides?: ConfigOverrides
}

/** Reads, checks and resolves a config file. Throws `ConfigError` listing every issue with its line. */
export async function loadConfig(file: string, options: LoadOptions = {}): Promise<DaemonConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const why = errnoCode(error) === 'ENOENT' ? 'no such file' : messageOf(error)
    throw new ConfigError(
      { file, issues: [{ path: '', line: undefined, column: undefined, message: `cannot read it: ${why}` }] },
      { cause: error },
    )
  }
  return parseConfig(text, { ...options, file })
}

/** `loadConfig` of a text; relative paths are taken from `file`'s directory. */
export function parseConfig(text: string, options: LoadOptions & { file: string }): DaemonConfig {
  const file = resolve(options.file)
  const fail = (issues: ConfigIssue[]): never => {
    throw new ConfigError({ file: options.file, issues })
  }
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) {
    fail(
      doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0])
        return {
          path: '',
          line: pos.line,
          column: pos.col,
          message: `not valid YAML: ${e.message.split('\n')[0]}`,
        }
      }),
    )
  }
  const locator = new Locator(doc, lines)
  let raw: unknown
  try {
    raw = doc.toJS({ maxAliasCount: 100 }) ?? {}
  } catch (error) {
    fail([{ path: '', line: 1, column: 1, message: `not valid YAML: ${messageOf(error)}` }])
  }
  if (!isPlainObject(raw)) fail([locator.issue([], 'expected a map of settings at the top level')])
  const shapeIssues = schemaIssues(ConfigSchema, raw, locator)
  if (shapeIssues.length > 0) fail(shapeIssues)
  return new Resolver(raw as ConfigFile, file, locator, options).resolve()
}

class Resolver {
  readonly issues: ConfigIssue[] = []
  readonly #raw: ConfigFile
  readonly #dir: string
  readonly #file: string
  readonly #at: Locator
  readonly #env: Readonly<Record<string, string | undefined>>
  readonly #overrides: ConfigOverrides

  constructor(raw: ConfigFile, file: string, locator: Locator, options: LoadOptions) {
    this.#raw = raw
    this.#file = file
    this.#dir = dirname(file)
    this.#at = locator
    this.#env = options.env ?? process.env
    this.#overrides = options.overrides ?? {}
  }

  resolve(): DaemonConfig {
    const raw = this.#raw
    const dataDir = this.#dataDir()
    const defaults =
      raw.defaults?.thresholds === undefined
        ? null
        : this.#threshold(raw.defaults.thresholds, ['defaults', 'thresholds'])
    const agents = (raw.agents ?? []).map((a, i) => this.#agent(a, i, dataDir ?? '/', defaults))
    const config: DaemonConfig = {
      file: this.#file,
      nodeId: raw.nodeId,
      listen: this.#listen(),
      tokens: this.#tokens(),
      dataDir: dataDir ?? '',
      cgroupParent: raw.cgroupParent === false ? null : (raw.cgroupParent ?? 'auto'),
      intervalMs: this.#duration(raw.interval ?? '10s', ['interval'], 100),
      hostIntervalMs: this.#duration(
        raw.hostInterval ?? raw.interval ?? '10s',
        [raw.hostInterval === undefined ? 'interval' : 'hostInterval'],
        100,
      ),
      includeChildren: raw.includeChildren ?? true,
      shutdownTimeoutMs: this.#duration(raw.shutdownTimeout ?? '60s', ['shutdownTimeout'], 1),
      keptEvents: raw.keptEvents ?? 10_000,
      log: {
        level: (raw.log?.level ?? 'info') as LogLevel,
        format: this.#overrides.logFormat ?? raw.log?.format ?? 'auto',
        requests: raw.log?.requests ?? false,
      },
      agents,
      host: this.#host(),
    }
    this.#checkShutdownTimeout(config)
    this.#checkWithLibraries(config)
    if (this.issues.length > 0) throw new ConfigError({ file: this.#file, issues: this.issues })
    return config
  }

  #issue(path: readonly (string | number)[], message: string, key = false): void {
    this.issues.push(this.#at.issue(path, message, { key }))
  }

  #path(value: string): string {
    return isAbsolute(value) ? value : resolve(this.#dir, value)
  }

  #duration(value: number | string, path: (string | number)[], min = 0): number {
    const ms = parseDuration(value, { min })
    if (typeof ms === 'string') {
      this.#issue(path, ms)
      return min
    }
    return ms
  }

  #size(value: number | string, path: (string | number)[]): number {
    const bytes = parseSize(value)
    if (typeof bytes === 'string') {
      this.#issue(path, bytes)
      return 0
    }
    return bytes
  }

  #dataDir(): string | undefined {
    const given = this.#overrides.dataDir ?? this.#raw.dataDir
    if (given !== undefined) return this.#path(given)
    const state = this.#env.STATE_DIRECTORY?.split(':')[0]
    if (state) return state
    this.#issue(
      ['dataDir'],
      'required key is missing (or run under systemd with StateDirectory=, or pass --data-dir)',
    )
    return undefined
  }

  #listen(): { host: string; port: number } {
    const value = this.#overrides.listen ?? this.#raw.listen ?? `127.0.0.1:${DEFAULT_PORT}`
    const parsed = parseListen(value)
    if (typeof parsed === 'string') this.#issue(['listen'], `${parsed}, got ${JSON.stringify(value)}`)
    return typeof parsed === 'string' ? { host: '127.0.0.1', port: DEFAULT_PORT } : parsed
  }

  #tokens(): TokenOptions[] {
    const tokens: TokenOptions[] = []
    for (const [i, t] of (this.#raw.tokens ?? []).entries()) {
      const path = ['tokens', i]
      if ((t.token === undefined) === (t.file === undefined)) {
        this.#issue(path, 'expected exactly one of `token` or `file`')
        continue
      }
      let token = t.token
      if (t.file !== undefined) {
        try {
          token = readFileSync(this.#path(t.file), 'utf8').trim()
        } catch (error) {
          this.#issue([...path, 'file'], `cannot read it: ${messageOf(error)}`)
          continue
        }
      }
      if (!isAcceptedToken(token!)) {
        // Never echo a token.
        this.#issue(
          [...path, t.file === undefined ? 'token' : 'file'],
          'expected 16-512 characters of A-Z a-z 0-9 - . _ ~ + / then = padding',
        )
        continue
      }
      tokens.push({ token: token!, access: t.access, name: t.name ?? `token-${i}` })
    }
    const fromEnv = this.#env.WARDEN_TOKEN
    if (fromEnv !== undefined && fromEnv !== '') {
      if (!isAcceptedToken(fromEnv))
        this.#issue([], 'WARDEN_TOKEN: expected 16-512 characters of A-Z a-z 0-9 - . _ ~ + / then = padding')
      else if (!tokens.some((t) => t.token === fromEnv))
        tokens.push({ token: fromEnv, access: 'control', name: 'env' })
    }
    return tokens
  }

  #threshold(t: ThresholdEntry, path: (string | number)[]): ResourceThreshold {
    return {
      ...(t.cpuPercent !== undefined && { cpuPercent: t.cpuPercent }),
      ...(t.memoryBytes !== undefined && {
        memoryBytes: this.#size(t.memoryBytes, [...path, 'memoryBytes']),
      }),
      ...(t.openFiles !== undefined && { openFiles: t.openFiles }),
      ...(t.threads !== undefined && { threads: t.threads }),
      durationMs: this.#duration(t.durationMs, [...path, 'durationMs']),
      ...(t.repeatMs !== undefined && { repeatMs: this.#duration(t.repeatMs, [...path, 'repeatMs'], 1) }),
      ...(t.action !== undefined && { action: t.action }),
    }
  }

  #agent(a: AgentEntry, i: number, dataDir: string, defaults: ResourceThreshold | null): DaemonAgent {
    const at = (...keys: string[]) => ['agents', i, ...keys]
    const d = (v: number | string | undefined, ...keys: string[]) =>
      v === undefined ? undefined : this.#duration(v, at(...keys))
    const s = (v: number | string | undefined, ...keys: string[]) =>
      v === undefined ? undefined : this.#size(v, at(...keys))
    const logs =
      a.logs === false
        ? undefined
        : {
            stdout: this.#path(a.logs?.stdout ?? resolve(dataDir, 'logs', `${a.id}.log`)),
            stderr: this.#path(a.logs?.stderr ?? resolve(dataDir, 'logs', `${a.id}.err.log`)),
            ...(a.logs?.maxBytes !== undefined && { maxBytes: s(a.logs.maxBytes, 'logs', 'maxBytes') }),
            ...(a.logs?.backups !== undefined && { backups: a.logs.backups }),
            ...(a.logs?.maxLineBytes !== undefined && {
              maxLineBytes: s(a.logs.maxLineBytes, 'logs', 'maxLineBytes'),
            }),
            ...(a.logs?.maxQueueBytes !== undefined && {
              maxQueueBytes: s(a.logs.maxQueueBytes, 'logs', 'maxQueueBytes'),
            }),
          }
    const spec = compact({
      id: a.id,
      type: a.type,
      command: a.command,
      args: a.args,
      cwd: a.cwd === undefined ? undefined : this.#path(a.cwd),
      env:
        a.env === undefined
          ? undefined
          : Object.fromEntries(Object.entries(a.env).map(([k, v]) => [k, v ?? undefined])),
      restart: a.restart,
      backoff:
        a.backoff &&
        compact({
          initialMs: d(a.backoff.initialMs, 'backoff', 'initialMs'),
          maxMs: d(a.backoff.maxMs, 'backoff', 'maxMs'),
          factor: a.backoff.factor,
        }),
      startLimit:
        a.startLimit &&
        compact({
          burst: a.startLimit.burst,
          intervalMs: d(a.startLimit.intervalMs, 'startLimit', 'intervalMs'),
        }),
      minUptimeMs: d(a.minUptimeMs, 'minUptimeMs'),
      stopSignal: a.stopSignal as NodeJS.Signals | undefined,
      stopTimeoutMs: d(a.stopTimeoutMs, 'stopTimeoutMs'),
      killTree: a.killTree,
      labels: a.labels,
      logs,
      stderrTail:
        a.stderrTail &&
        compact({ lines: a.stderrTail.lines, maxBytes: s(a.stderrTail.maxBytes, 'stderrTail', 'maxBytes') }),
      containment: a.containment,
      memoryMax: s(a.memoryMax, 'memoryMax'),
      cpuMax: a.cpuMax,
      pidsMax: a.pidsMax,
      user: a.user,
      uid: a.uid,
      group: a.group,
      gid: a.gid,
    }) as unknown as AgentSpec
    const threshold =
      a.thresholds === null
        ? null
        : a.thresholds === undefined
          ? defaults
          : this.#threshold(a.thresholds, at('thresholds'))
    return { spec, threshold }
  }

  #host(): DaemonConfig['host'] {
    const raw = this.#raw
    const host: Record<string, unknown> = {}
    if (raw.disks !== undefined) host.disks = raw.disks === false ? false : { mountPoints: raw.disks }
    if (raw.gpu !== undefined) host.gpu = raw.gpu
    if (raw.systemd !== undefined) host.systemd = raw.systemd === false ? false : { units: raw.systemd }
    if (raw.temperature !== undefined)
      host.temperature = raw.temperature === false ? false : compact({ ...raw.temperature })
    if (raw.hostThresholds !== undefined) {
      const t = raw.hostThresholds as Record<string, number | string>
      const out: Record<string, number> = {}
      const known = Object.keys(HostThresholdSchema.properties)
      for (const [key, value] of Object.entries(t)) {
        const path = ['hostThresholds', key]
        if (!known.includes(key) && !key.startsWith('disk:/')) {
          const hint = suggest(key, [...known, 'disk:/'])
          this.#issue(
            path,
            hint === undefined
              ? `unknown key; expected one of ${known.join(', ')}, disk:/<mount point>`
              : `unknown key; did you mean ${hint}?`,
            true,
          )
          continue
        }
        out[key] =
          key === 'durationMs' || key === 'repeatMs'
            ? this.#duration(value, path, key === 'repeatMs' ? 1 : 0)
            : key === 'swapUsedBytes'
              ? this.#size(value, path)
              : (value as number)
      }
      host.threshold = out as unknown as HostThreshold
    }
    return host as DaemonConfig['host']
  }

  /** A shutdown deadline shorter than an agent's stop (grace + the SIGKILL wait) would leave it running. */
  #checkShutdownTimeout(config: DaemonConfig): void {
    let longest: { i: number; ms: number } | undefined
    for (const [i, a] of config.agents.entries()) {
      const ms = (a.spec.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS) + KILL_TIMEOUT_MS
      if (longest === undefined || ms > longest.ms) longest = { i, ms }
    }
    if (longest !== undefined && config.shutdownTimeoutMs <= longest.ms) {
      this.#issue(
        ['shutdownTimeout'],
        `expected more than ${longest.ms} ms: agents[${longest.i}] may take its stopTimeoutMs plus ${KILL_TIMEOUT_MS} ms for SIGKILL to stop, and a shorter deadline would leave it running, got ${config.shutdownTimeoutMs} ms`,
      )
    }
  }

  /**
   * What the file's shape cannot say (a bad signal name, an unknown user, a duplicate id, a
   * threshold without a line, a host threshold for a collector that is off) is checked by the
   * classes that will run it: a supervisor that never starts anything, and monitors never started.
   */
  #checkWithLibraries(config: DaemonConfig): void {
    if (this.issues.length > 0) return
    const scratch = new Supervisor({ keepAlive: false, cgroupParent: null })
    const monitor = new ResourceMonitor({
      registry: scratch.registry,
      supervisor: scratch,
      intervalMs: config.intervalMs,
    })
    const firstIndex = new Map<string, number>()
    for (const [i, agent] of config.agents.entries()) {
      const first = firstIndex.get(agent.spec.id)
      if (first !== undefined) {
        this.#issue(['agents', i, 'id'], `duplicate id: agents[${first}] has it too`)
        continue
      }
      firstIndex.set(agent.spec.id, i)
      try {
        scratch.add(agent.spec)
      } catch (error) {
        this.#libraryIssue(error, ['agents', i])
        continue
      }
      if (agent.threshold !== null) {
        const path =
          this.#raw.agents?.[i]?.thresholds === undefined
            ? ['defaults', 'thresholds']
            : ['agents', i, 'thresholds']
        try {
          monitor.setThreshold(agent.spec.id, agent.threshold)
        } catch (error) {
          this.#libraryIssue(error, path, 'threshold')
        }
      }
    }
    try {
      new HostMonitor({ ...config.host, intervalMs: config.hostIntervalMs })
    } catch (error) {
      this.#libraryIssue(error, [])
    }
  }

  #libraryIssue(error: unknown, base: (string | number)[], strip?: string): void {
    if (!(error instanceof WardenError)) throw error
    let path = base
    if (error instanceof InvalidOptionError) {
      let option = error.option
      if (strip !== undefined && option.startsWith(`${strip}.`)) option = option.slice(strip.length + 1)
      else if (strip !== undefined && option === strip) option = ''
      path = [...base, ...option.split('.').filter((k) => k !== '' && k !== 'spec' && k !== 'options')]
      if (base.length === 0 && path[0] === 'threshold') path = ['hostThresholds', ...path.slice(1)]
      if (base.length === 0 && ['disks', 'gpu', 'systemd', 'temperature'].includes(String(path[0])))
        path = [String(path[0])]
    }
    this.#issue(path, error.message.replace(/^Expected `[^`]+` to be /, 'expected '))
  }
}

/** `127.0.0.1:9477`, `[::1]:9477`, `:9477`, `9477` → host and port; else what is wrong. */
export function parseListen(value: number | string): { host: string; port: number } | string {
  const text = String(value)
  const m = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):)?([0-9]{1,5})$/.exec(text)
  if (m === null) return 'expected host:port (127.0.0.1:9477, [::1]:9477, 0.0.0.0:9477) or a port'
  const port = Number(m[3])
  if (port > 65535) return 'expected a port from 0 to 65535'
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port }
}

function compact<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k]
  return o
}
