import { type Static, type TSchema, Type } from '@sinclair/typebox'
import { DURATION_PATTERN, SIZE_PATTERN } from './units.js'

// The config file as written. Every object is closed (unknown keys are errors, with a suggestion),
// durations and sizes are numbers (ms, bytes) or strings with a unit; `resolve.ts` turns it into
// the options of the library classes, which validate them again.

/** Text shown for a value that does not match (instead of TypeBox's `Expected union value`). */
export const EXPECTED = 'expected'

const closed = { additionalProperties: false } as const
const strict = <T extends Record<string, TSchema>>(properties: T, expected: string) =>
  Type.Object(properties, { ...closed, [EXPECTED]: expected })

const Duration = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: DURATION_PATTERN })], {
  [EXPECTED]: 'expected a duration: ms as an integer, or a number with ms, s, m, h or d (30s, 5m)',
})
const Size = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: SIZE_PATTERN })], {
  [EXPECTED]: 'expected a size: bytes as an integer, or a number with B, KB, MB, GB, KiB, MiB, GiB (512MiB)',
})
const Str = (expected = 'expected a string') => Type.String({ [EXPECTED]: expected })
const NonEmpty = (expected: string) => Type.String({ minLength: 1, [EXPECTED]: expected })
const Int = (minimum: number, expected: string) => Type.Integer({ minimum, [EXPECTED]: expected })
const Bool = Type.Boolean({ [EXPECTED]: 'expected true or false' })
const Num = Type.Number({ minimum: 0, [EXPECTED]: 'expected a number ≥ 0' })
const StringMap = Type.Record(Type.String(), Type.String(), { [EXPECTED]: 'expected a map of strings' })

export const ThresholdSchema = strict(
  {
    cpuPercent: Type.Optional(Num),
    memoryBytes: Type.Optional(Size),
    openFiles: Type.Optional(Num),
    threads: Type.Optional(Num),
    durationMs: Duration,
    repeatMs: Type.Optional(Duration),
    action: Type.Optional(Type.Literal('restart', { [EXPECTED]: "expected 'restart'" })),
  },
  'expected thresholds: { cpuPercent?, memoryBytes?, openFiles?, threads?, durationMs, repeatMs?, action? }',
)

export const AgentSchema = strict(
  {
    id: Type.String({
      pattern: '^[A-Za-z0-9._-]{1,128}$',
      [EXPECTED]: 'expected 1-128 characters of A-Z a-z 0-9 . _ -',
    }),
    type: Type.Optional(Str()),
    command: NonEmpty('expected the executable to run (no shell)'),
    args: Type.Optional(Type.Array(Type.String(), { [EXPECTED]: 'expected a list of strings' })),
    cwd: Type.Optional(NonEmpty('expected a directory')),
    env: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()]), {
        [EXPECTED]: 'expected a map of strings (null removes a variable)',
      }),
    ),
    restart: Type.Optional(
      Type.Union([Type.Literal('always'), Type.Literal('on-failure'), Type.Literal('never')], {
        [EXPECTED]: "expected 'always', 'on-failure' or 'never'",
      }),
    ),
    backoff: Type.Optional(
      strict(
        { initialMs: Type.Optional(Duration), maxMs: Type.Optional(Duration), factor: Type.Optional(Num) },
        'expected { initialMs?, maxMs?, factor? }',
      ),
    ),
    startLimit: Type.Optional(
      strict(
        { burst: Type.Optional(Int(1, 'expected an integer ≥ 1')), intervalMs: Type.Optional(Duration) },
        'expected { burst?, intervalMs? }',
      ),
    ),
    minUptimeMs: Type.Optional(Duration),
    stopSignal: Type.Optional(
      Type.String({ pattern: '^SIG[A-Z0-9]+$', [EXPECTED]: 'expected a signal name such as SIGTERM' }),
    ),
    stopTimeoutMs: Type.Optional(Duration),
    killTree: Type.Optional(Bool),
    labels: Type.Optional(StringMap),
    logs: Type.Optional(
      Type.Union(
        [
          Type.Literal(false),
          strict(
            {
              stdout: Type.Optional(NonEmpty('expected a file path')),
              stderr: Type.Optional(NonEmpty('expected a file path')),
              maxBytes: Type.Optional(Size),
              backups: Type.Optional(Int(0, 'expected an integer ≥ 0')),
              maxLineBytes: Type.Optional(Size),
              maxQueueBytes: Type.Optional(Size),
            },
            'expected { stdout?, stderr?, maxBytes?, backups?, maxLineBytes?, maxQueueBytes? }',
          ),
        ],
        {
          [EXPECTED]:
            'expected false or { stdout?, stderr?, maxBytes?, backups?, maxLineBytes?, maxQueueBytes? }',
        },
      ),
    ),
    stderrTail: Type.Optional(
      strict(
        { lines: Type.Optional(Int(0, 'expected an integer ≥ 0')), maxBytes: Type.Optional(Size) },
        'expected { lines?, maxBytes? }',
      ),
    ),
    user: Type.Optional(NonEmpty('expected a user name')),
    uid: Type.Optional(Int(0, 'expected a uid')),
    group: Type.Optional(NonEmpty('expected a group name')),
    gid: Type.Optional(Int(0, 'expected a gid')),
    containment: Type.Optional(
      Type.Union([Type.Literal('auto'), Type.Literal('cgroup'), Type.Literal('process-group')], {
        [EXPECTED]: "expected 'auto', 'cgroup' or 'process-group'",
      }),
    ),
    memoryMax: Type.Optional(Size),
    cpuMax: Type.Optional(
      Type.Number({ minimum: 0.01, [EXPECTED]: 'expected a number of CPUs (0.5 = half of one)' }),
    ),
    pidsMax: Type.Optional(Int(1, 'expected an integer ≥ 1')),
    thresholds: Type.Optional(
      Type.Union([Type.Null(), ThresholdSchema], { [EXPECTED]: 'expected thresholds, or null for none' }),
    ),
  },
  'expected an agent: { id, command, args?, … }',
)

const TokenSchema = strict(
  {
    token: Type.Optional(NonEmpty('expected the token')),
    file: Type.Optional(NonEmpty('expected a file holding the token')),
    access: Type.Union([Type.Literal('read'), Type.Literal('control')], {
      [EXPECTED]: "expected 'read' or 'control'",
    }),
    name: Type.Optional(Str()),
  },
  'expected { token | file, access, name? }',
)

export const HostThresholdSchema = Type.Object(
  {
    cpuPercent: Type.Optional(Num),
    load1: Type.Optional(Num),
    memoryUsedPercent: Type.Optional(Num),
    swapUsedBytes: Type.Optional(Size),
    psiCpuSome10: Type.Optional(Num),
    psiMemorySome10: Type.Optional(Num),
    psiIoSome10: Type.Optional(Num),
    temperatureC: Type.Optional(Num),
    durationMs: Duration,
    repeatMs: Type.Optional(Duration),
  },
  {
    // `disk:/mount` keys (% of that filesystem used); other keys are refused by the resolver, with a suggestion.
    additionalProperties: Num,
    [EXPECTED]:
      'expected host thresholds: { cpuPercent?, load1?, memoryUsedPercent?, …, "disk:/": 90, durationMs }',
  },
)

export const ConfigSchema = strict(
  {
    nodeId: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9._@-]{1,128}$',
        [EXPECTED]: 'expected a name of A-Z a-z 0-9 . _ @ -',
      }),
    ),
    listen: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0, maximum: 65535 }), Type.String({ minLength: 1 })], {
        [EXPECTED]: 'expected host:port (127.0.0.1:9477, [::1]:9477, 0.0.0.0:9477) or a port',
      }),
    ),
    tokens: Type.Optional(Type.Array(TokenSchema, { [EXPECTED]: 'expected a list of tokens' })),
    dataDir: Type.Optional(NonEmpty('expected a directory')),
    cgroupParent: Type.Optional(
      Type.Union([Type.Literal('auto'), Type.Literal(false), Type.String({ pattern: '^/' })], {
        [EXPECTED]: "expected 'auto', an absolute path in the cgroup v2 hierarchy, or false (no cgroups)",
      }),
    ),
    interval: Type.Optional(Duration),
    hostInterval: Type.Optional(Duration),
    includeChildren: Type.Optional(Bool),
    shutdownTimeout: Type.Optional(Duration),
    keptEvents: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100_000, [EXPECTED]: 'expected an integer from 1 to 100000' }),
    ),
    log: Type.Optional(
      strict(
        {
          level: Type.Optional(
            Type.Union(
              ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
              { [EXPECTED]: 'expected fatal, error, warn, info, debug, trace or silent' },
            ),
          ),
          format: Type.Optional(
            Type.Union([Type.Literal('auto'), Type.Literal('json'), Type.Literal('pretty')], {
              [EXPECTED]: "expected 'auto' (pretty on a terminal), 'json' or 'pretty'",
            }),
          ),
          requests: Type.Optional(Bool),
        },
        'expected { level?, format?, requests? }',
      ),
    ),
    defaults: Type.Optional(
      strict({ thresholds: Type.Optional(ThresholdSchema) }, 'expected { thresholds? }'),
    ),
    agents: Type.Optional(Type.Array(AgentSchema, { [EXPECTED]: 'expected a list of agents' })),
    disks: Type.Optional(
      Type.Union([Type.Literal(false), Type.Array(Type.String({ pattern: '^/' }))], {
        [EXPECTED]: 'expected a list of absolute mount points, or false',
      }),
    ),
    gpu: Type.Optional(
      Type.Union([Type.Literal('auto'), Type.Literal('off')], { [EXPECTED]: "expected 'auto' or 'off'" }),
    ),
    systemd: Type.Optional(
      Type.Union([Type.Literal(false), Type.Array(Type.String({ pattern: '^[^-].*' }))], {
        [EXPECTED]: 'expected the list of systemd units to watch (the allowlist), or false',
      }),
    ),
    temperature: Type.Optional(
      Type.Union(
        [
          Type.Literal(false),
          strict(
            {
              sysfsPath: Type.Optional(Type.String({ pattern: '^/' })),
              chip: Type.Optional(Str()),
              label: Type.Optional(Str()),
              minScore: Type.Optional(Num),
            },
            'expected { sysfsPath?, chip?, label?, minScore? }',
          ),
        ],
        { [EXPECTED]: 'expected false or { sysfsPath?, chip?, label?, minScore? }' },
      ),
    ),
    hostThresholds: Type.Optional(HostThresholdSchema),
  },
  'expected a map of settings',
)

export type ConfigFile = Static<typeof ConfigSchema>
export type AgentEntry = Static<typeof AgentSchema>
export type ThresholdEntry = Static<typeof ThresholdSchema>
