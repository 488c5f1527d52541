import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { type AgentInfo, Supervisor } from '@warden/core'
import { HostHistory, HostMonitor } from '@warden/host'
import { ResourceMonitor } from '@warden/monitor'
import { createServer, type EventFile, openEventFile } from '@warden/server'
import { FileMetadataStore } from '@warden/store'
import { messageOf, SerialQueue } from '@warden/utils'
import { type ConfigOverrides, type DaemonAgent, type DaemonConfig, loadConfig } from './config/load.js'
import { DaemonClosedError, ShutdownError, StartupError } from './errors.js'
import { createLogger, type Logger, logEvents } from './log.js'

export interface DaemonOptions {
  readonly config: DaemonConfig
  /** @default `createLogger(config.log)`: JSON lines on stdout, pretty on a terminal */
  readonly logger?: Logger
  /** What `reload()` without a config reads the file with again. @default process.env, no overrides */
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly overrides?: ConfigOverrides
}

/** What a `reload()` did, by agent id. */
export interface ReloadResult {
  /** Agents new in the config: added and started. */
  readonly added: readonly string[]
  /** Agents no longer in the config: stopped (whole tree) and forgotten; their history stays in the store. */
  readonly removed: readonly string[]
  /** Agents whose spec changed: replaced, and started again if they were running. */
  readonly changed: readonly string[]
  /** Agents whose thresholds alone changed: set on the monitor, the process untouched. */
  readonly thresholds: readonly string[]
  /** Agents left exactly as they were. */
  readonly unchanged: readonly string[]
  /** Settings that changed but apply only after a restart of the daemon (`listen`, `tokens`, …). */
  readonly needsRestart: readonly string[]
}

/** Settings a running daemon cannot change: a reload that changes them lists them in `needsRestart`. */
const RESTART_ONLY = [
  'nodeId',
  'listen',
  'tokens',
  'dataDir',
  'intervalMs',
  'hostIntervalMs',
  'includeChildren',
  'keptEvents',
  'cgroupParent',
] as const satisfies readonly (keyof DaemonConfig)[]
type RestartOnly = (typeof RESTART_ONLY)[number]
/** The host monitor's collectors (its `threshold` is set live). */
const HOST_RESTART_ONLY = ['disks', 'gpu', 'systemd', 'temperature'] as const
type HostRestartOnly = (typeof HOST_RESTART_ONLY)[number]

const RUNNING = new Set<AgentInfo['status']>(['starting', 'running', 'backoff'])

/**
 * The `warden` daemon as a library: a store, a Supervisor (restored first, so a restarted daemon
 * keeps its agents), a ResourceMonitor, a HostMonitor with 7 days of history and the HTTP server,
 * started together by `WardenDaemon.start()` and stopped in order by `shutdown()`.
 */
export class WardenDaemon {
  readonly supervisor: Supervisor
  readonly monitor: ResourceMonitor
  readonly host: HostMonitor
  readonly store: FileMetadataStore
  readonly server: ReturnType<typeof createServer>
  readonly log: Logger
  readonly #hostHistory: HostHistory
  readonly #eventFile: EventFile
  readonly #options: DaemonOptions
  readonly #reloads = new SerialQueue()
  readonly #detach: () => void
  #config: DaemonConfig
  #url = ''
  #shutdown: Promise<void> | undefined

  private constructor(parts: {
    options: DaemonOptions
    log: Logger
    store: FileMetadataStore
    hostHistory: HostHistory
    eventFile: EventFile
    supervisor: Supervisor
    monitor: ResourceMonitor
    host: HostMonitor
    server: ReturnType<typeof createServer>
    detach: () => void
  }) {
    this.#options = parts.options
    this.#config = parts.options.config
    this.log = parts.log
    this.store = parts.store
    this.#hostHistory = parts.hostHistory
    this.#eventFile = parts.eventFile
    this.supervisor = parts.supervisor
    this.monitor = parts.monitor
    this.host = parts.host
    this.server = parts.server
    this.#detach = parts.detach
  }

  /** The config in force (the last one reloaded). */
  get config(): DaemonConfig {
    return this.#config
  }

  /** `http://127.0.0.1:9477`: where the API, `/metrics` and the dashboard are. */
  get url(): string {
    return this.#url
  }

  /**
   * Opens the data directory (`ERR_DAEMON_STARTUP` step `store` when another daemon holds it),
   * restores the agents a previous daemon left (adopting those still running), starts the new ones,
   * listens, then starts both monitors. A failure undoes what was done.
   */
  static async start(options: DaemonOptions): Promise<WardenDaemon> {
    const { config } = options
    const log = options.logger ?? createLogger(config.log)
    await mkdir(join(config.dataDir, 'logs'), { recursive: true, mode: 0o700 })
    const store = new FileMetadataStore({ dir: join(config.dataDir, 'agents') })
    try {
      await store.open()
    } catch (error) {
      throw new StartupError(
        { step: 'store', message: `Cannot open the data directory ${config.dataDir}: ${messageOf(error)}` },
        { cause: error },
      )
    }
    const hostHistory = new HostHistory({ dir: join(config.dataDir, 'host') })
    const undo: (() => Promise<unknown>)[] = [() => store.close()]
    const fail = async (step: string, error: unknown): Promise<never> => {
      for (const u of undo.reverse()) await u().catch(() => {})
      throw error instanceof StartupError
        ? error
        : new StartupError({ step, message: `Cannot start (${step}): ${messageOf(error)}` }, { cause: error })
    }
    try {
      await hostHistory.open()
    } catch (error) {
      return fail('host-history', error)
    }
    undo.push(() => hostHistory.close())
    let eventFile: EventFile
    try {
      eventFile = await openEventFile(join(config.dataDir, 'events.jsonl'), {
        keep: config.keptEvents,
        onError: (error) => log.error({ event: 'event-file', code: error.code }, error.message),
      })
    } catch (error) {
      return fail('events', error)
    }
    if (eventFile.skipped > 0) {
      log.warn(
        { event: 'event-file', skipped: eventFile.skipped },
        `events.jsonl: ${eventFile.skipped} damaged lines skipped`,
      )
    }
    undo.push(() => eventFile.close())
    const supervisor = new Supervisor({ store, cgroupParent: config.cgroupParent })
    const monitor = new ResourceMonitor({
      registry: supervisor.registry,
      store,
      supervisor,
      intervalMs: config.intervalMs,
      includeChildren: config.includeChildren,
    })
    const host = new HostMonitor({ ...config.host, intervalMs: config.hostIntervalMs, history: hostHistory })
    // The server before monitor.start(): it learns alert episodes from the monitor's events.
    const server = createServer({
      supervisor,
      monitor,
      host,
      store,
      auth: config.tokens.length > 0 ? { tokens: [...config.tokens] } : false,
      keptEvents: config.keptEvents,
      eventFile,
      logger: log.child(
        { component: 'http' },
        {
          level:
            config.log.requests || ['error', 'fatal', 'silent'].includes(config.log.level)
              ? config.log.level
              : 'warn',
        },
      ),
      ...(config.nodeId !== undefined && { id: config.nodeId }),
    })
    undo.push(
      () => supervisor.shutdown(),
      () => server.close(),
    )
    // Recorded until the store closes, so the exits of the shutdown are in the file too.
    eventFile.record(supervisor, monitor)
    const detach = logEvents(log, supervisor, monitor, host)
    undo.push(async () => detach())
    const daemon = new WardenDaemon({
      options,
      log,
      store,
      hostHistory,
      eventFile,
      supervisor,
      monitor,
      host,
      server,
      detach,
    })
    try {
      for (const agent of config.agents) daemon.#add(agent)
      const configured = new Set(config.agents.map((a) => a.spec.id))
      const outcomes: Record<string, string[]> = {}
      for (const r of await supervisor.restore()) {
        if (!configured.has(r.id)) {
          await supervisor.remove(r.id)
          log.info(
            { event: 'agent:removed', agent: r.id },
            `${r.id}: no longer in the config, stopped and removed`,
          )
          continue
        }
        if (r.error !== undefined) {
          log.warn(
            { event: 'restore', agent: r.id, outcome: r.outcome, code: (r.error as { code?: string }).code },
            `${r.id}: ${r.outcome} — ${r.error.message}`,
          )
        }
        outcomes[r.outcome] = [...(outcomes[r.outcome] ?? []), r.id]
      }
      const said = Object.entries(outcomes).map(([outcome, ids]) => `${outcome} ${ids.join(', ')}`)
      log.info({ event: 'restore', outcomes }, `agents restored: ${said.join('; ') || 'none configured'}`)
    } catch (error) {
      return fail('agents', error)
    }
    try {
      daemon.#url = await server.listen({ host: config.listen.host, port: config.listen.port })
    } catch (error) {
      return fail(
        'listen',
        new StartupError(
          {
            step: 'listen',
            message: `Cannot listen on ${config.listen.host}:${config.listen.port}: ${messageOf(error)}`,
          },
          { cause: error },
        ),
      )
    }
    daemon.#url = daemon.#url.replace('://localhost', '://127.0.0.1')
    monitor.start()
    host.start()
    log.info(
      {
        event: 'ready',
        url: daemon.#url,
        agents: config.agents.length,
        dataDir: config.dataDir,
        auth: config.tokens.length > 0,
      },
      `warden ready: ${config.agents.length} agents, API and dashboard at ${daemon.#url}`,
    )
    return daemon
  }

  #add(agent: DaemonAgent): void {
    this.supervisor.add(agent.spec)
    this.monitor.setThreshold(agent.spec.id, agent.threshold)
  }

  /**
   * Applies a new config (read again from the same file when none is given; a config that does
   * not load rejects with its `ConfigError` and changes nothing). Agents added, removed or changed
   * are started, stopped or replaced; thresholds are set; agents that did not change are not
   * touched. Settings that cannot change live are listed in `needsRestart`. Reloads run one at a time.
   */
  reload(next?: DaemonConfig): Promise<ReloadResult> {
    if (this.#shutdown !== undefined) return Promise.reject(new DaemonClosedError({ operation: 'reload()' }))
    return this.#reloads.run(async () => {
      if (this.#shutdown !== undefined) throw new DaemonClosedError({ operation: 'reload()' })
      const config =
        next ??
        (await loadConfig(this.#config.file, {
          ...(this.#options.env !== undefined && { env: this.#options.env }),
          ...(this.#options.overrides !== undefined && { overrides: this.#options.overrides }),
        }))
      const result = await this.#apply(config)
      this.log.info({ event: 'reload', ...result }, `config reloaded: ${summary(result)}`)
      if (result.needsRestart.length > 0) {
        this.log.warn(
          { event: 'reload', needsRestart: result.needsRestart },
          `changed settings apply after a restart of warden: ${result.needsRestart.join(', ')}`,
        )
      }
      return result
    })
  }

  async #apply(config: DaemonConfig): Promise<ReloadResult> {
    const before = new Map(this.#config.agents.map((a) => [a.spec.id, a]))
    const after = new Map(config.agents.map((a) => [a.spec.id, a]))
    const added: string[] = []
    const removed: string[] = []
    const changed: string[] = []
    const thresholds: string[] = []
    const unchanged: string[] = []
    for (const id of before.keys()) if (!after.has(id)) removed.push(id)
    await Promise.all(removed.map((id) => this.supervisor.remove(id)))
    const starts: Promise<unknown>[] = []
    for (const [id, agent] of after) {
      const old = before.get(id)
      if (old === undefined) {
        this.#add(agent)
        added.push(id)
        starts.push(this.supervisor.start(id))
      } else if (stable(old.spec) !== stable(agent.spec)) {
        const wasRunning = RUNNING.has(this.supervisor.get(id)?.status ?? 'stopped')
        await this.supervisor.remove(id)
        this.#add(agent)
        changed.push(id)
        if (wasRunning) starts.push(this.supervisor.start(id))
      } else if (stable(old.threshold) !== stable(agent.threshold)) {
        this.monitor.setThreshold(id, agent.threshold)
        thresholds.push(id)
      } else unchanged.push(id)
    }
    await Promise.all(starts)
    if (stable(this.#config.host.threshold) !== stable(config.host.threshold))
      this.host.setThreshold(config.host.threshold)
    this.log.level = config.log.level
    const changedSetting = (k: RestartOnly) => stable(this.#config[k]) !== stable(config[k])
    const changedHost = (k: HostRestartOnly) => stable(this.#config.host[k]) !== stable(config.host[k])
    const needsRestart: string[] = [
      ...RESTART_ONLY.filter(changedSetting),
      ...HOST_RESTART_ONLY.filter(changedHost),
    ]
    if (this.#config.log.format !== config.log.format) needsRestart.push('log.format')
    // What could not be applied keeps its old value, so `config` says what is in force.
    const kept = Object.fromEntries(RESTART_ONLY.map((k) => [k, this.#config[k]])) as Pick<
      DaemonConfig,
      RestartOnly
    >
    this.#config = {
      ...config,
      ...kept,
      log: { ...config.log, format: this.#config.log.format },
      host: { ...this.#config.host, threshold: config.host.threshold },
    }
    return { added, removed, changed, thresholds, unchanged, needsRestart }
  }

  /**
   * Stops everything in order, within `shutdownTimeout`: the server (event streams end), both
   * monitors, every agent's whole process tree, then the host history and the store. Idempotent (the
   * same promise). Rejects with `ShutdownError` listing the steps that failed or were still running
   * at the deadline.
   */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#stop()
    return this.#shutdown
  }

  async #stop(): Promise<void> {
    const failures: { step: string; message: string }[] = []
    const step = async (name: string, run: () => Promise<unknown>) => {
      try {
        await run()
      } catch (error) {
        failures.push({ step: name, message: messageOf(error) })
      }
    }
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), this.#config.shutdownTimeoutMs)
    })
    let current = 'reload'
    const steps = (async () => {
      this.log.info({ event: 'stopping' }, 'warden stopping: agents are being stopped')
      await this.#reloads.idle()
      current = 'server'
      await step('server', () => this.server.close())
      current = 'monitors'
      await Promise.all([step('monitor', () => this.monitor.stop()), step('host', () => this.host.stop())])
      current = 'agents'
      await step('agents', () => this.supervisor.shutdown())
      current = 'store'
      await Promise.all([
        step('host-history', () => this.#hostHistory.close()),
        step('store', () => this.store.close()),
      ])
      return 'done' as const
    })()
    const outcome = await Promise.race([steps, deadline])
    clearTimeout(timer)
    if (outcome === 'deadline') {
      failures.push({
        step: current,
        message: `still running after shutdownTimeout (${this.#config.shutdownTimeoutMs} ms)`,
      })
    }
    if (failures.length > 0) {
      const error = new ShutdownError({ failures })
      this.log.error({ event: 'stopped', failures }, error.message)
      this.#detach()
      throw error
    }
    this.log.info({ event: 'stopped' }, 'warden stopped: every agent is stopped, the store is closed')
    this.#detach()
  }
}

function summary(r: ReloadResult): string {
  const parts = (['added', 'removed', 'changed', 'thresholds'] as const)
    .filter((k) => r[k].length > 0)
    .map((k) => `${k} ${r[k].join(', ')}`)
  return parts.length === 0 ? 'no agent changed' : `${parts.join('; ')}; ${r.unchanged.length} unchanged`
}

/** JSON with sorted keys, to compare configs. */
function stable(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v) =>
      v !== null && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
        : v,
    ) ?? 'undefined'
  )
}
