import { assertAgentId, isAgentId } from '@warden/utils'
import { type ProcessUser, resolveUser } from './agent/user.js'
import type { TailLimits } from './logs/line-tail.js'
import { type StoredAgentSpec, storedSpec } from './persist/state.js'
import {
  booleanOption,
  durationOption,
  envOption,
  fail,
  intOption,
  intRange,
  numberOption,
  objectOption,
  optionalString,
  signalOption,
  stringRecord,
} from './validate.js'

/** When an exited agent is started again. */
export type RestartPolicy = 'always' | 'on-failure' | 'never'

export interface BackoffOptions {
  /** First restart delay. @default 1000 */
  readonly initialMs?: number
  /** Cap of the delay. @default 60000 */
  readonly maxMs?: number
  /** Growth of the delay per consecutive failure. @default 2 */
  readonly factor?: number
}

export interface StartLimitOptions {
  /** More than `burst` starts within `intervalMs` puts the agent in `fatal`. @default 5 */
  readonly burst?: number
  /** Sliding window of the start limit. @default 60000 */
  readonly intervalMs?: number
}

export interface LogOptions {
  /** File that receives stdout lines (rotated). Same path as `stderr` means one combined file. */
  readonly stdout?: string
  /** File that receives stderr lines (rotated). */
  readonly stderr?: string
  /** Rotate a file before a write would make it larger than this (whole lines only). @default 10485760 */
  readonly maxBytes?: number
  /** Rotated files kept: `<file>.1` (newest) .. `<file>.<backups>`; 0 truncates instead. @default 5 */
  readonly backups?: number
  /** Emit every line as an `agent:log` event. @default false */
  readonly events?: boolean
  /** A line longer than this is cut into pieces of this size (bounds memory). @default 1048576 */
  readonly maxLineBytes?: number
  /** Lines waiting for the disk beyond this are dropped and counted, so the agent is never blocked. @default 16777216 */
  readonly maxQueueBytes?: number
  /**
   * A failing log file reports its first failure at once, then at most one summary (with the count)
   * per this interval until a write succeeds again. @default 60000
   */
  readonly errorReportIntervalMs?: number
}

/**
 * Where an agent's processes are kept so `stop()` finds every one of them: `cgroup` (its own cgroup
 * v2, `agent-<id>` under the supervisor's `cgroupParent`), `process-group` (its own session and
 * process group, plus the environment cookie), or `auto` (a cgroup where one can be made, else a
 * process group).
 */
export type Containment = 'auto' | 'cgroup' | 'process-group'

/** Limits written into the agent's cgroup before its process runs (each needs its controller). */
export interface CgroupLimits {
  readonly memoryMax: number | undefined
  readonly cpuMax: number | undefined
  readonly pidsMax: number | undefined
}

/** What to run and how to supervise it. */
export interface AgentSpec {
  /** 1..128 characters of `[A-Za-z0-9._-]`, not `.` or `..` (it becomes a file name in the store). */
  readonly id: string
  readonly type?: string
  /** Executable (looked up in PATH) — no shell. */
  readonly command: string
  /** @default [] */
  readonly args?: readonly string[]
  /** @default process.cwd() */
  readonly cwd?: string
  /** Variables added over the supervisor's environment (`undefined` removes one). */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** @default 'on-failure' */
  readonly restart?: RestartPolicy
  readonly backoff?: BackoffOptions
  readonly startLimit?: StartLimitOptions
  /** Uptime after which the backoff delay resets to `initialMs`. @default 10000 */
  readonly minUptimeMs?: number
  /** @default 'SIGTERM' */
  readonly stopSignal?: NodeJS.Signals
  /** Grace time before survivors get SIGKILL. @default 10000 */
  readonly stopTimeoutMs?: number
  /** Signal the whole process tree (group + every descendant), not only the main pid. @default true */
  readonly killTree?: boolean
  readonly logs?: LogOptions
  readonly labels?: Readonly<Record<string, string>>
  /** How much of stderr is kept to explain an exit (`lastExit.stderrTail`, `agent:exit`). */
  readonly stderrTail?: StderrTailOptions
  /** Run as this user (from /etc/passwd; its primary group unless `group`/`gid`). Root only. @default the supervisor's */
  readonly user?: string
  /** Run as this uid (exclusive with `user`). Root only. @default the supervisor's */
  readonly uid?: number
  /** Run with this group (from /etc/group). @default the user's primary group */
  readonly group?: string
  /** Run with this gid (exclusive with `group`). @default the user's primary group */
  readonly gid?: number
  /** Its own cgroup, its own process group, or a cgroup where one can be made. @default 'auto' */
  readonly containment?: Containment
  /** `memory.max` of its cgroup, bytes (needs the memory controller; not with `process-group`). */
  readonly memoryMax?: number
  /** `cpu.max` of its cgroup as a number of CPUs (0.5 = half of one), per 100 ms period (needs the cpu controller). */
  readonly cpuMax?: number
  /** `pids.max` of its cgroup: most processes and threads at once (needs the pids controller). */
  readonly pidsMax?: number
}

export interface StderrTailOptions {
  /** Last lines kept, 0 to 1000; 0 turns the tail off. @default 20 */
  readonly lines?: number
  /** Bytes kept over those lines (UTF-8), 1 to 65536; a longer line is cut. @default 4096 */
  readonly maxBytes?: number
}

export interface ResolvedLogOptions {
  readonly stdout: string | undefined
  readonly stderr: string | undefined
  readonly maxBytes: number
  readonly backups: number
  readonly events: boolean
  readonly maxLineBytes: number
  readonly maxQueueBytes: number
  readonly errorReportIntervalMs: number
}

export interface ResolvedSpec {
  readonly id: string
  readonly type: string | undefined
  readonly command: string | undefined
  readonly args: readonly string[]
  readonly cwd: string | undefined
  readonly env: Readonly<Record<string, string | undefined>> | undefined
  readonly restart: RestartPolicy
  readonly backoff: Required<BackoffOptions>
  readonly startLimit: Required<StartLimitOptions>
  readonly minUptimeMs: number
  readonly stopSignal: NodeJS.Signals
  readonly stopTimeoutMs: number
  readonly killTree: boolean
  readonly logs: ResolvedLogOptions | undefined
  readonly labels: Readonly<Record<string, string>> | undefined
  readonly stderrTail: TailLimits
  readonly containment: Containment
  readonly limits: CgroupLimits
  /** Who the agent runs as (and owns its log files); undefined: the supervisor's user. */
  readonly user: ProcessUser | undefined
  /** The spec as given, as saved for `restore()`. */
  readonly stored: StoredAgentSpec
}

export const DEFAULTS = {
  restart: 'on-failure',
  backoff: { initialMs: 1000, maxMs: 60_000, factor: 2 },
  startLimit: { burst: 5, intervalMs: 60_000 },
  minUptimeMs: 10_000,
  stopSignal: 'SIGTERM',
  stopTimeoutMs: 10_000,
  killTree: true,
  logs: {
    maxBytes: 10 * 1024 * 1024,
    backups: 5,
    events: false,
    maxLineBytes: 1024 * 1024,
    maxQueueBytes: 16 * 1024 * 1024,
    errorReportIntervalMs: 60_000,
  },
  stderrTail: { lines: 20, maxBytes: 4096 },
  adoptPollIntervalMs: 1000,
  killTimeoutMs: 5000,
} as const

/** The store's rule (`@warden/utils`), since the id becomes a file name there. */
export function isValidAgentId(id: unknown): id is string {
  return typeof id === 'string' && isAgentId(id)
}

export { assertAgentId }

/** Every key an AgentSpec may have, in the order the README lists them. */
export const SPEC_KEYS = [
  'id',
  'type',
  'command',
  'args',
  'cwd',
  'env',
  'restart',
  'backoff',
  'startLimit',
  'minUptimeMs',
  'stopSignal',
  'stopTimeoutMs',
  'killTree',
  'logs',
  'labels',
  'stderrTail',
  'user',
  'uid',
  'group',
  'gid',
  'containment',
  'memoryMax',
  'cpuMax',
  'pidsMax',
] as const satisfies ReadonlyArray<keyof AgentSpec>

const TAIL_KEYS = ['lines', 'maxBytes'] as const satisfies ReadonlyArray<keyof StderrTailOptions>
const BACKOFF_KEYS = ['initialMs', 'maxMs', 'factor'] as const satisfies ReadonlyArray<keyof BackoffOptions>
const START_LIMIT_KEYS = ['burst', 'intervalMs'] as const satisfies ReadonlyArray<keyof StartLimitOptions>
const LOG_KEYS = [
  'stdout',
  'stderr',
  'maxBytes',
  'backups',
  'events',
  'maxLineBytes',
  'maxQueueBytes',
  'errorReportIntervalMs',
] as const satisfies ReadonlyArray<keyof LogOptions>

function resolveTail(value: unknown): TailLimits {
  const o = objectOption('stderrTail', value, TAIL_KEYS)
  const d = DEFAULTS.stderrTail
  return {
    lines: intRange('stderrTail.lines', o.lines, d.lines, 0, 1000),
    maxBytes: intRange('stderrTail.maxBytes', o.maxBytes, d.maxBytes, 1, 65536),
  }
}

function resolveLogs(value: unknown): ResolvedLogOptions | undefined {
  if (value === undefined) return undefined
  const o = objectOption('logs', value, LOG_KEYS)
  const d = DEFAULTS.logs
  return {
    stdout: optionalString('logs.stdout', o.stdout),
    stderr: optionalString('logs.stderr', o.stderr),
    maxBytes: intOption('logs.maxBytes', o.maxBytes, d.maxBytes, 1),
    backups: intOption('logs.backups', o.backups, d.backups, 0),
    events: booleanOption('logs.events', o.events, d.events),
    maxLineBytes: intOption('logs.maxLineBytes', o.maxLineBytes, d.maxLineBytes, 1),
    maxQueueBytes: intOption('logs.maxQueueBytes', o.maxQueueBytes, d.maxQueueBytes, 1),
    errorReportIntervalMs: durationOption(
      'logs.errorReportIntervalMs',
      o.errorReportIntervalMs,
      d.errorReportIntervalMs,
      1,
    ),
  }
}

/** The kernel's `cpu.max` quota is at least 1 ms per 100 ms period: 0.01 CPU. */
const MIN_CPU_MAX = 0.01
const MAX_CPU_MAX = 4096

function resolveContainment(s: Record<string, unknown>): { containment: Containment; limits: CgroupLimits } {
  const containment = (s.containment ?? 'auto') as Containment
  if (containment !== 'auto' && containment !== 'cgroup' && containment !== 'process-group') {
    fail('containment', '"auto", "cgroup" or "process-group"', s.containment)
  }
  const limits: CgroupLimits = {
    memoryMax: s.memoryMax === undefined ? undefined : intOption('memoryMax', s.memoryMax, 0, 1),
    cpuMax:
      s.cpuMax === undefined
        ? undefined
        : typeof s.cpuMax === 'number' && s.cpuMax >= MIN_CPU_MAX && s.cpuMax <= MAX_CPU_MAX
          ? s.cpuMax
          : fail('cpuMax', `a number of CPUs from ${MIN_CPU_MAX} to ${MAX_CPU_MAX}`, s.cpuMax),
    pidsMax: s.pidsMax === undefined ? undefined : intRange('pidsMax', s.pidsMax, 0, 1, 2 ** 31 - 1),
  }
  if (containment === 'cgroup' && s.killTree === false) {
    fail('killTree', "true (or unset) with containment 'cgroup': a cgroup is stopped as a whole", s.killTree)
  }
  if (containment === 'process-group') {
    for (const key of ['memoryMax', 'cpuMax', 'pidsMax'] as const) {
      if (limits[key] !== undefined)
        fail(key, "unset with containment 'process-group' (limits need a cgroup)", s[key])
    }
  }
  return { containment, limits }
}

/**
 * Validates a spec and fills the defaults. `requireCommand: false` is for adopted agents, which
 * may have no command (they are then never restarted).
 */
export function resolveSpec(spec: unknown, requireCommand = true): ResolvedSpec {
  const s = objectOption('spec', spec ?? fail('spec', 'an object', spec), SPEC_KEYS, 'the agent spec')
  assertAgentId(s.id)
  const command = requireCommand || s.command !== undefined ? optionalString('command', s.command) : undefined
  if (requireCommand && command === undefined) fail('command', 'a non-empty string', s.command)
  let args: string[] = []
  if (s.args !== undefined) {
    if (!Array.isArray(s.args)) fail('args', 'an array of strings', s.args)
    args = (s.args as unknown[]).map((a, i) => {
      if (typeof a !== 'string') return fail(`args[${i}]`, 'a string', a)
      return a.includes('\0') ? fail(`args[${i}]`, 'a string without NUL characters', a) : a
    })
  }
  const restart = s.restart ?? DEFAULTS.restart
  if (restart !== 'always' && restart !== 'on-failure' && restart !== 'never') {
    fail('restart', '"always", "on-failure" or "never"', restart)
  }
  const b = objectOption('backoff', s.backoff, BACKOFF_KEYS)
  const backoff = {
    initialMs: durationOption('backoff.initialMs', b.initialMs, DEFAULTS.backoff.initialMs),
    maxMs: durationOption('backoff.maxMs', b.maxMs, DEFAULTS.backoff.maxMs),
    factor: numberOption('backoff.factor', b.factor, DEFAULTS.backoff.factor, 1),
  }
  if (backoff.maxMs < backoff.initialMs) {
    fail('backoff.maxMs', `an integer >= backoff.initialMs (${backoff.initialMs})`, backoff.maxMs)
  }
  const l = objectOption('startLimit', s.startLimit, START_LIMIT_KEYS)
  if (s.type !== undefined && typeof s.type !== 'string') fail('type', 'a string', s.type)
  return {
    id: s.id,
    type: s.type as string | undefined,
    command,
    args,
    cwd: optionalString('cwd', s.cwd),
    env: envOption('env', s.env),
    restart: restart as RestartPolicy,
    backoff,
    startLimit: {
      burst: intOption('startLimit.burst', l.burst, DEFAULTS.startLimit.burst, 1),
      intervalMs: durationOption('startLimit.intervalMs', l.intervalMs, DEFAULTS.startLimit.intervalMs, 1),
    },
    minUptimeMs: durationOption('minUptimeMs', s.minUptimeMs, DEFAULTS.minUptimeMs),
    stopSignal: signalOption('stopSignal', s.stopSignal, DEFAULTS.stopSignal),
    stopTimeoutMs: durationOption('stopTimeoutMs', s.stopTimeoutMs, DEFAULTS.stopTimeoutMs),
    killTree: booleanOption('killTree', s.killTree, DEFAULTS.killTree),
    logs: resolveLogs(s.logs),
    labels: stringRecord('labels', s.labels),
    stderrTail: resolveTail(s.stderrTail),
    ...resolveContainment(s),
    user: resolveUser(s.id, s),
    stored: storedSpec(s),
  }
}
