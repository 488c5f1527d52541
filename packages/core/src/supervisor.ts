import { setMaxListeners } from 'node:events'
import {
  emitSafely,
  isSameProcessAlive,
  once,
  type ProcessIdentity,
  readStat,
  UNKNOWN_START_TICKS,
} from '@warden/utils'
import { EventEmitter } from 'eventemitter3'
import { adoptRefusal } from './adopt/guard.js'
import { AgentInstance, type StopOptions } from './agent/instance.js'
import { CgroupParent } from './cgroup/parent.js'
import {
  AdoptRefusedError,
  AgentExistsError,
  AgentNotFoundError,
  InvalidOptionError,
  ProcessNotFoundError,
  StopTimeoutError,
  SupersededError,
  SupervisorClosedError,
  WaitTimeoutError,
} from './errors.js'
import type { SupervisorEvents } from './events.js'
import { KeepAlive } from './keep-alive.js'
import { openReadableAs } from './logs/owned-path.js'
import { type LogRead, openPlain, type ReadLogOptions, readLogFile } from './logs/read-log.js'
import {
  type AgentSpec,
  assertAgentId,
  DEFAULTS,
  type ResolvedSpec,
  resolveSpec,
  SPEC_KEYS,
} from './options.js'
import { Persister } from './persist/persister.js'
import type { StoredAgentSpec } from './persist/state.js'
import { type AgentStateStore, saverFor } from './persist/store-adapter.js'
import { AgentRegistry, type RegistryWriter, registryWriter } from './registry/registry.js'
import { type AgentInfo, type AgentStatus, AGENT_STATUSES as STATUSES } from './registry/types.js'
import { RelayHub } from './relay/hub.js'
import { type RestoreResult, restoreAll } from './restore/restore.js'
import { booleanOption, durationOption, fail, intOption, intRange, objectOption } from './validate.js'

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}

export interface SupervisorOptions {
  /** Where status, restartCount, startTime, pid/startTicks, lastExit and lastError are saved. */
  readonly store?: AgentStateStore
  /** Share a registry (e.g. one the monitor already holds). @default a new AgentRegistry */
  readonly registry?: AgentRegistry
  /** How often an adopted process is checked for exit, in ms (at most 2³¹−1). @default 1000 */
  readonly adoptPollIntervalMs?: number
  /** How long stop() waits for SIGKILLed processes to vanish before reporting survivors (ms, at most 2³¹−1). @default 5000 */
  readonly killTimeoutMs?: number
  /**
   * Keep the process alive while the supervisor has agents (until shutdown()), even when none is
   * a child: Warden's own timers are unref'd. `false` leaves the process's lifetime to the caller.
   * @default true
   */
  readonly keepAlive?: boolean
  /**
   * The cgroup v2 directory agents' cgroups (`agent-<id>`) are made in. `'auto'`: a `warden`
   * subtree of the supervisor's own cgroup (its `warden` child in the root cgroup; else the own,
   * delegated cgroup itself, the supervisor moving into its `supervisor` leaf first). A path: that
   * directory (created if missing; when it is the supervisor's own cgroup, it moves into its
   * `supervisor` leaf first). `null`: no cgroups (`containment: 'auto'` agents get process groups).
   * @default 'auto'
   */
  readonly cgroupParent?: string | null
}

const SUPERVISOR_KEYS = [
  'store',
  'registry',
  'adoptPollIntervalMs',
  'killTimeoutMs',
  'keepAlive',
  'cgroupParent',
] as const satisfies ReadonlyArray<keyof SupervisorOptions>
const ADOPT_KEYS = ['id', 'pid', 'type', 'startTicks', 'spec'] as const satisfies ReadonlyArray<
  keyof AdoptOptions
>
const ADOPT_SPEC_KEYS = SPEC_KEYS.filter((k) => k !== 'id')
const READ_LOG_KEYS = ['stream', 'lines', 'from', 'maxBytes'] as const satisfies ReadonlyArray<
  keyof ReadLogOptions
>
const MAX_LOG_LINES = 100_000
const MAX_LOG_READ_BYTES = 64 * 1024 * 1024

/** The spec of an agent as it was given (`env` values `null` where given as `undefined`); frozen. */
export type AgentSpecView = Readonly<StoredAgentSpec & { readonly id: string }>

export interface AdoptOptions {
  readonly id: string
  readonly pid: number
  readonly type?: string
  /**
   * Start ticks the caller knows the process by (e.g. saved before a daemon restart). When the
   * pid now has other start ticks it was reused: the agent is registered as exited.
   * @default read from /proc/<pid>/stat now
   */
  readonly startTicks?: number
  /** How to restart it once the adopted process exits (per `restart`); without it, never restarted. */
  readonly spec?: Omit<AgentSpec, 'id' | 'command'> & { readonly command?: string }
}

export interface WaitForOptions {
  /** Reject with WaitTimeoutError after this long (ms, at most 2³¹−1). @default no timeout */
  readonly timeoutMs?: number
  /** Reject with `signal.reason` when it aborts. */
  readonly signal?: AbortSignal
}

/** The reason of the supervisor's own abort when shutdown() ends. */
const CLOSED = Symbol('supervisor closed')

/**
 * Starts, restarts, stops and adopts agent processes. State lives in `registry`, which the
 * monitor reads; lifecycle changes are emitted as typed events, each once the change is complete.
 */
export class Supervisor extends EventEmitter<SupervisorEvents> {
  /** The agents' state, for readers (the monitor): `get`, `has`, `list()`, `size`, events. */
  readonly registry: AgentRegistry
  readonly #writer: RegistryWriter
  readonly #agents = new Map<string, AgentInstance>()
  readonly #removals = new Map<string, Promise<void>>()
  /** waitFor() calls still waiting: told when shutdown() ends (no status of ours changes after). */
  /** Aborted once shutdown() has ended: pending waitFor() calls reject. */
  readonly #ended = new AbortController()
  readonly #store: AgentStateStore | undefined
  readonly #persister: Persister | undefined
  readonly #keepAlive: KeepAlive
  readonly #relays: RelayHub
  readonly #adoptPollIntervalMs: number
  readonly #killTimeoutMs: number
  readonly #cgroups: CgroupParent
  #closed = false
  #shutdown: Promise<void> | undefined
  #shutdownDone = false
  #restore: Promise<RestoreResult[]> | undefined
  readonly #specViews = new WeakMap<AgentInstance, AgentSpecView>()

  constructor(opts: SupervisorOptions = {}) {
    super()
    // One abort listener per pending waitFor(): any number of them is expected.
    setMaxListeners(0, this.#ended.signal)
    const o = objectOption('options', opts, SUPERVISOR_KEYS, 'the Supervisor options') as SupervisorOptions
    if (o.registry !== undefined && !(o.registry instanceof AgentRegistry)) {
      throw new InvalidOptionError({ option: 'registry', expected: 'an AgentRegistry', value: o.registry })
    }
    if (o.store !== undefined && typeof (o.store as Partial<AgentStateStore> | null)?.update !== 'function') {
      fail('store', 'an object with an update(id, fn) method (a FileMetadataStore)', o.store)
    }
    this.registry = o.registry ?? new AgentRegistry()
    this.#writer = registryWriter(this.registry)
    this.#adoptPollIntervalMs = durationOption(
      'adoptPollIntervalMs',
      o.adoptPollIntervalMs,
      DEFAULTS.adoptPollIntervalMs,
      1,
    )
    this.#killTimeoutMs = durationOption('killTimeoutMs', o.killTimeoutMs, DEFAULTS.killTimeoutMs, 0)
    this.#relays = new RelayHub(this.#adoptPollIntervalMs)
    this.#keepAlive = new KeepAlive(booleanOption('keepAlive', o.keepAlive, true))
    const parent = o.cgroupParent
    if (
      parent !== undefined &&
      parent !== null &&
      (typeof parent !== 'string' || (parent !== 'auto' && !parent.startsWith('/')))
    ) {
      fail('cgroupParent', "'auto', an absolute path or null", parent)
    }
    this.#cgroups = new CgroupParent(parent)
    this.#store = o.store
    if (o.store !== undefined) {
      this.#persister = new Persister(saverFor(o.store), (error) => {
        this.#agents.get(error.id)?.recordError(error)
      })
    }
  }

  /** Registers an agent (status `stopped`); call start(id) to run it. */
  add(spec: AgentSpec): AgentInfo {
    this.#assertOpen()
    const resolved = resolveSpec(spec)
    this.#assertFree(resolved.id)
    return this.#create(resolved, { adopted: false }).info
  }

  /**
   * Stops the agent and forgets it; unfulfilled start/restart calls are superseded. Concurrent
   * calls share one removal; the id is unknown to every other method from the first call on.
   */
  remove(id: string): Promise<void> {
    const pending = this.#removals.get(id)
    if (pending !== undefined) return pending
    return this.#run(() => {
      const agent = this.#get(id)
      const removal = (async () => {
        try {
          await agent.close((operation) => new SupersededError({ id, operation, by: 'remove' }))
        } finally {
          await agent.dispose()
          if (this.#agents.get(id) === agent) {
            this.#agents.delete(id)
            this.#writer.delete(id)
            // Its saved state goes too: restore() must not bring it back.
            this.#persister?.forget(id)
          }
          this.#removals.delete(id)
          this.#keepAlive.set(this.#agents.size > 0 && !this.#shutdownDone)
        }
      })()
      this.#removals.set(id, removal)
      return removal
    })
  }

  /**
   * Starts an agent. Resolves with its state once the spawn outcome is known: `running`, or
   * `backoff`/`fatal` with `lastError` set when the spawn failed (never rejected for that).
   * Rejects with SupersededError when a stop()/remove() came first, SupervisorClosedError on shutdown.
   */
  start(id: string): Promise<AgentInfo> {
    return this.#run(() => {
      this.#assertOpen()
      return this.#get(id).start()
    })
  }

  /** Stops every process of the agent; resolves once all are gone. */
  stop(id: string, opts?: StopOptions): Promise<AgentInfo> {
    return this.#run(() => this.#get(id).stop(opts))
  }

  /** Stops the current process (if any) and spawns a new one; concurrent calls share one restart. */
  restart(id: string): Promise<AgentInfo> {
    return this.#run(() => {
      this.#assertOpen()
      return this.#get(id).restart()
    })
  }

  /** Starts every agent that has a command (running ones are left as they are). */
  startAll(): Promise<AgentInfo[]> {
    return this.#run(() => {
      this.#assertOpen()
      const agents = [...this.#agents.values()].filter(
        (a) => a.spec.command !== undefined && !this.#removals.has(a.id),
      )
      return Promise.all(agents.map((a) => a.start()))
    })
  }

  /**
   * Stops every agent in parallel and releases timers and log files. From the first call on,
   * nothing is spawned again and add/start/restart/startAll/adopt reject with SupervisorClosedError.
   * Idempotent: every call returns the same promise. Rejects with an AggregateError only if some
   * process survived SIGKILL.
   */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#close()
    return this.#shutdown
  }

  /**
   * Watches a running process that Warden did not spawn. Its identity is pid + start ticks: if the
   * pid was reused (other start ticks), the agent is registered as `exited`, never `running`.
   * Adopting onto an existing, inactive agent (e.g. `add()`ed after a daemon restart) keeps its spec.
   * Refuses (AdoptRefusedError) init, kernel threads, the supervisor, its ancestors, and what shares
   * its process group or session.
   */
  adopt(opts: AdoptOptions): AgentInfo {
    this.#assertOpen()
    const o = objectOption('adopt options', opts, ADOPT_KEYS, 'the adopt options') as Partial<AdoptOptions>
    assertAgentId(o.id)
    if (o.pid === undefined) fail('pid', 'a positive integer', undefined)
    const pid = intOption('pid', o.pid, 0, 1)
    if (o.startTicks !== undefined) intOption('startTicks', o.startTicks, 0, 0)
    if (o.spec !== undefined) objectOption('spec', o.spec, ADOPT_SPEC_KEYS)
    const stat = readStat(pid)
    const identity: ProcessIdentity = {
      pid,
      startTicks: o.startTicks ?? stat?.startTicks ?? UNKNOWN_START_TICKS,
    }
    const alive = stat !== undefined && isSameProcessAlive(identity)
    const refusal = adoptRefusal(pid, alive ? stat : undefined)
    if (refusal !== undefined) throw new AdoptRefusedError({ id: o.id, pid, reason: refusal })
    if (stat === undefined && o.startTicks === undefined) throw new ProcessNotFoundError({ id: o.id, pid })
    let agent = this.#agents.get(o.id)
    if (agent !== undefined) {
      if (o.spec !== undefined || o.type !== undefined || this.#removals.has(o.id)) {
        throw new AgentExistsError({ id: o.id })
      }
    } else {
      this.#assertFree(o.id)
      const resolved = resolveSpec({ ...o.spec, id: o.id, type: o.type ?? o.spec?.type }, false)
      agent = this.#create(resolved, { adopted: true })
    }
    agent.adopt(identity, alive)
    return agent.info
  }

  /**
   * Brings back what a previous supervisor (a daemon that crashed or was restarted) left in the
   * store. Call it once at startup, after `add()`ing the configured agents and before starting
   * any: for each saved agent, the configured spec is used (else the saved one, registering the
   * agent), its counters and last exit continue, and its recorded process — if it still runs (same
   * boot, pid + start ticks, the run's cookie in its environment) — is adopted, with the run's
   * cookie and its log relay (attached again, and shared by the agents started from now on), so
   * nothing is started twice. Agents whose process is gone are run again
   * as their saved state and policy say; configured agents without saved state are started. Every
   * call returns the first call's promise. Needs a store with `get()` and `list()`.
   */
  restore(): Promise<RestoreResult[]> {
    this.#restore ??= this.#run(() => {
      this.#assertOpen()
      const store = this.#store
      if (store?.get === undefined || store.list === undefined) {
        fail('store', 'a store with get() and list() (a FileMetadataStore) to restore from', store)
      }
      return restoreAll(store as Required<AgentStateStore>, {
        agent: (id) => (this.#removals.has(id) ? undefined : this.#agents.get(id)),
        agents: () => [...this.#agents.values()].filter((a) => !this.#removals.has(a.id)),
        taken: (id) => this.registry.has(id) || this.#removals.has(id),
        create: (spec, adopted) => this.#create(spec, { adopted }),
        closed: () => this.#closed,
        adoptRelay: (relay) => this.#relays.adopt(relay),
      })
    })
    return this.#restore
  }

  get(id: string): AgentInfo | undefined {
    return this.registry.get(id)
  }

  list(): readonly AgentInfo[] {
    return this.registry.list()
  }

  /**
   * The spec the agent runs with, as given to `add()` (or `adopt()`, or restored from the store),
   * deep-frozen; undefined for an unknown id. Read-only: it holds `env`, so keep it private.
   */
  spec(id: string): AgentSpecView | undefined {
    const agent = this.#agents.get(id)
    if (agent === undefined || this.#removals.has(id)) return undefined
    let view = this.#specViews.get(agent)
    if (view === undefined) {
      view = deepFreeze({ id, ...structuredClone(agent.spec.stored) })
      this.#specViews.set(agent, view)
    }
    return view
  }

  /**
   * Reads the agent's log file of `stream`: its last `lines` whole lines, or (with `from`, a
   * previous read's `position`) the whole lines written since, across a rotation. Resolves
   * undefined when the stream has no log file; a file not written yet reads as no lines. An agent
   * run as another user has its file opened as that user could (a link it planted towards a file
   * it cannot read fails with EACCES). Rejects with AgentNotFoundError, InvalidOptionError.
   */
  readLog(id: string, opts: ReadLogOptions = {}): Promise<LogRead | undefined> {
    return this.#run(async () => {
      const o = objectOption('readLog options', opts, READ_LOG_KEYS, 'the readLog options') as ReadLogOptions
      const stream = o.stream ?? 'stdout'
      if (stream !== 'stdout' && stream !== 'stderr') fail('stream', "'stdout' or 'stderr'", stream)
      const lines = intRange('lines', o.lines, 100, 1, MAX_LOG_LINES)
      const maxBytes = intRange('maxBytes', o.maxBytes, 1024 * 1024, 1, MAX_LOG_READ_BYTES)
      const from = o.from
      if (
        from !== undefined &&
        (typeof from !== 'object' ||
          from === null ||
          typeof from.file !== 'string' ||
          !Number.isSafeInteger(from.offset) ||
          from.offset < 0)
      ) {
        fail('from', 'a position { file, offset } returned by readLog', from)
      }
      const agent = this.#get(id)
      const path = agent.spec.logs?.[stream]
      if (path === undefined) return undefined
      const user = agent.spec.user
      const openFile =
        user === undefined ? openPlain : (p: string) => openReadableAs(p, { uid: user.uid, gid: user.gid })
      return readLogFile(path, stream, { lines, from, maxBytes }, openFile)
    })
  }

  /**
   * Resolves once the output of the agent's processes so far is written: their streams have
   * ended and the log relay wrote every line (for a running agent, that is after it exits).
   */
  flushLogs(id: string): Promise<void> {
    return this.#run(() => this.#get(id).flushLogs())
  }

  /**
   * Resolves when the agent is in one of `status` (at once if it already is). Rejects with
   * WaitTimeoutError on timeout or removal, and with SupervisorClosedError once shutdown() has
   * ended without the agent reaching it (nothing changes it any more).
   */
  waitFor(
    id: string,
    status: AgentStatus | readonly AgentStatus[],
    opts: WaitForOptions = {},
  ): Promise<AgentInfo> {
    let wanted: readonly AgentStatus[]
    let timeoutMs: number | undefined
    try {
      wanted = typeof status === 'string' ? [status] : status
      if (!Array.isArray(wanted) || wanted.length === 0 || !wanted.every((s) => STATUSES.includes(s))) {
        fail('status', `one of ${STATUSES.join(', ')} (or a non-empty array of them)`, status)
      }
      const o = objectOption('waitFor options', opts, ['timeoutMs', 'signal'], 'the waitFor options')
      timeoutMs = o.timeoutMs === undefined ? undefined : durationOption('timeoutMs', o.timeoutMs, 0)
      if (o.signal !== undefined && !(o.signal instanceof AbortSignal))
        fail('signal', 'an AbortSignal', o.signal)
    } catch (error) {
      return Promise.reject(error)
    }
    const current = this.registry.get(id)
    if (current === undefined) return Promise.reject(new AgentNotFoundError({ id }))
    if (wanted.includes(current.status)) return Promise.resolve(current)
    if (this.#shutdownDone && this.#agents.has(id)) return Promise.reject(new SupervisorClosedError())
    const waitingFor = `agent "${id}" to be ${wanted.join(' or ')}`
    return once<AgentInfo>(this.registry, 'change', {
      filter: (info) => info.id === id && wanted.includes(info.status),
      timeoutMs,
      signal:
        opts.signal === undefined ? this.#ended.signal : AbortSignal.any([opts.signal, this.#ended.signal]),
      waitingFor,
      failOn: {
        remove: (info: AgentInfo) =>
          info.id === id ? new WaitTimeoutError({ waitingFor, reason: 'the agent was removed' }) : undefined,
      },
    }).catch((error: unknown) => {
      // The supervisor's own abort: shutdown() ended and nothing changes the agent any more.
      throw error === CLOSED && this.#agents.has(id) ? new SupervisorClosedError() : error
    })
  }

  async #close(): Promise<void> {
    this.#closed = true
    const agents = [...this.#agents.values()]
    const results = await Promise.allSettled(agents.map((a) => a.close(() => new SupervisorClosedError())))
    await Promise.allSettled(agents.map((a) => a.dispose()))
    await Promise.allSettled(this.#removals.values())
    // The agents' streams have ended and been written: their relay goes now.
    const relays = await this.#relays.close(this.#killTimeoutMs)
    // Empty once every agent stopped (their cgroups removed): a parent Warden made goes too.
    this.#cgroups.close()
    await this.#persister?.flush()
    this.#shutdownDone = true
    this.#keepAlive.set(false)
    this.#ended.abort(CLOSED)
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []))
    for (const { users, survivors } of relays) {
      for (const id of users) errors.push(new StopTimeoutError({ id, survivors }))
    }
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} agent(s) did not stop cleanly`)
  }

  #create(spec: ResolvedSpec, { adopted }: { adopted: boolean }): AgentInstance {
    const initial: AgentInfo = {
      id: spec.id,
      ...(spec.type !== undefined ? { type: spec.type } : {}),
      ...(spec.labels !== undefined ? { labels: spec.labels } : {}),
      pid: null,
      startTicks: null,
      status: 'stopped',
      startTime: null,
      restartCount: 0,
      adopted,
      droppedLogLines: 0,
    }
    const agent = new AgentInstance(
      spec,
      {
        registry: this.#writer,
        // The map's tuple types are what eventemitter3 expects; TS cannot see it through the generic.
        emit: (event, ...args) => emitSafely(this, event, ...(args as unknown as never[])),
        persist: (id, state) => this.#persister?.schedule(id, state),
        adoptPollIntervalMs: this.#adoptPollIntervalMs,
        killTimeoutMs: this.#killTimeoutMs,
        relays: this.#relays,
        cgroups: this.#cgroups,
      },
      initial,
    )
    this.#agents.set(spec.id, agent)
    this.#keepAlive.set(true)
    return agent
  }

  #run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return fn()
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** The agent behind `id`; one being removed is already unknown. */
  #get(id: string): AgentInstance {
    const agent = this.#agents.get(id)
    if (agent === undefined || this.#removals.has(id)) throw new AgentNotFoundError({ id })
    return agent
  }

  #assertFree(id: string): void {
    if (this.#agents.has(id) || this.registry.has(id)) throw new AgentExistsError({ id })
  }

  #assertOpen(): void {
    if (this.#closed) throw new SupervisorClosedError()
  }
}
