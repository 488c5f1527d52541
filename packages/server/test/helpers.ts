import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type AgentSpec, Supervisor } from '@warden/core'
import { HostHistory, type HostHistoryOptions, HostMonitor, type HostMonitorOptions } from '@warden/host'
import { ResourceMonitor, type ResourceMonitorOptions } from '@warden/monitor'
import { FileMetadataStore, type HistoryOptions } from '@warden/store'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import { afterEach } from 'vitest'
import { type AuthOptions, createServer, type ServerOptions } from '../src/index.js'

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by assertions, not by types
export type Json = Record<string, any>

export const READ_TOKEN = 'read-token-0123456789abcdef'
export const CONTROL_TOKEN = 'control-token-0123456789abcdef'
export const AUTH: AuthOptions = {
  tokens: [
    { token: READ_TOKEN, access: 'read', name: 'reader' },
    { token: CONTROL_TOKEN, access: 'control', name: 'operator' },
  ],
}

/** An idle agent: a node process that waits forever. */
export function idle(id: string, extra: Partial<AgentSpec> = {}): AgentSpec {
  return {
    id,
    command: process.execPath,
    args: ['-e', 'setInterval(() => {}, 1e9)'],
    backoff: { initialMs: 20, maxMs: 80, factor: 2 },
    stopTimeoutMs: 2000,
    ...extra,
  }
}

/** An agent busy on one core. */
export function busy(id: string): AgentSpec {
  return { ...idle(id), args: ['-e', 'for (;;);'] }
}

/** Everything a logger was asked to write, as JSON lines (errors with message, stack, fields and cause). */
export class RecordingLogger {
  readonly lines: string[] = []
  level = 'trace'

  logger(bindings: object = {}): FastifyBaseLogger {
    const write =
      (level: string) =>
      (...args: unknown[]): void => {
        this.lines.push(JSON.stringify({ level, bindings, args }, expandErrors))
      }
    const self = this
    return {
      level: this.level,
      fatal: write('fatal'),
      error: write('error'),
      warn: write('warn'),
      info: write('info'),
      debug: write('debug'),
      trace: write('trace'),
      silent: () => {},
      child(childBindings: object) {
        return self.logger({ ...bindings, ...childBindings })
      },
    } as unknown as FastifyBaseLogger
  }

  get text(): string {
    return this.lines.join('\n')
  }
}

function expandErrors(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value
  return { ...value, name: value.name, message: value.message, stack: value.stack, cause: value.cause }
}

export interface WardenOptions {
  readonly agents?: readonly AgentSpec[]
  /** The Supervisor's `cgroupParent`. @default null (process groups) */
  readonly cgroupParent?: string | null
  readonly auth?: AuthOptions | false
  /** A HostMonitor with these options (started); none when undefined. */
  readonly host?: HostMonitorOptions
  /** Give the HostMonitor a HostHistory (its own temp dir) with these options. */
  readonly hostHistory?: Omit<HostHistoryOptions, 'dir'>
  readonly monitor?: Partial<Omit<ResourceMonitorOptions, 'registry' | 'store'>>
  /** Start the monitor (and wait for its first poll). @default true */
  readonly startMonitor?: boolean
  readonly history?: HistoryOptions
  readonly server?: Partial<ServerOptions>
}

export interface Warden {
  readonly dir: string
  readonly store: FileMetadataStore
  readonly supervisor: Supervisor
  readonly monitor: ResourceMonitor
  readonly host: HostMonitor | undefined
  readonly app: FastifyInstance
  readonly log: RecordingLogger
  readonly url: string
  /** fetch() on the server, with a bearer token when given. */
  get(path: string, token?: string, init?: RequestInit): Promise<Response>
  post(path: string, token?: string): Promise<Response>
  close(): Promise<void>
}

const open: Warden[] = []

/** Closes every Warden a test started (server, monitors, agents, store, temp dir). */
export function closeWardensAfterEach(): void {
  afterEach(async () => {
    for (const w of open.splice(0)) await w.close()
  })
}

/**
 * A real node: a FileMetadataStore in a temp dir, a Supervisor running the agents, a
 * ResourceMonitor (and a HostMonitor when asked), and the server listening on 127.0.0.1:0.
 */
export async function startWarden(opts: WardenOptions = {}): Promise<Warden> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-server-'))
  const store = new FileMetadataStore({ dir, fsync: false, ...(opts.history && { history: opts.history }) })
  await store.open()
  const supervisor = new Supervisor({ cgroupParent: opts.cgroupParent ?? null, keepAlive: false })
  for (const spec of opts.agents ?? []) supervisor.add(spec)
  await supervisor.startAll()
  const monitor = new ResourceMonitor({
    registry: supervisor.registry,
    store,
    intervalMs: 60_000,
    ...opts.monitor,
  })
  const hostHistoryDir = opts.hostHistory && mkdtempSync(join(tmpdir(), 'warden-host-history-'))
  const hostHistory = hostHistoryDir
    ? new HostHistory({ dir: hostHistoryDir, fsync: false, ...opts.hostHistory })
    : undefined
  await hostHistory?.open()
  const host =
    opts.host === undefined
      ? undefined
      : new HostMonitor({ ...opts.host, ...(hostHistory !== undefined && { history: hostHistory }) })
  const log = new RecordingLogger()
  const app = createServer({
    supervisor,
    monitor,
    host,
    store,
    auth: opts.auth ?? AUTH,
    logger: log.logger(),
    ...opts.server,
  })
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    await app.close()
    await monitor.stop()
    await host?.stop()
    await hostHistory?.close()
    if (hostHistoryDir) rmSync(hostHistoryDir, { recursive: true, force: true })
    await supervisor.shutdown()
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
  const w: Warden = {
    dir,
    store,
    supervisor,
    monitor,
    host,
    app,
    log,
    url: '',
    get: (path, token, init = {}) =>
      fetch(`${w.url}${path}`, {
        ...init,
        headers: { ...(token && { authorization: `Bearer ${token}` }), ...(init.headers as object) },
      }),
    post: (path, token) =>
      fetch(`${w.url}${path}`, {
        method: 'POST',
        headers: token ? { authorization: `Bearer ${token}` } : {},
      }),
    close,
  }
  open.push(w)
  if (opts.startMonitor !== false) {
    monitor.start()
    await monitor.waitForPoll({ timeoutMs: 10_000 })
  }
  if (host !== undefined) {
    host.start()
    await until(() => host.latest(), 15_000, 'the first host sample')
  }
  const address = await app.listen({ port: 0 })
  ;(w as { url: string }).url = address
  return w
}

/** Polls `fn` until it returns a truthy value or the deadline passes. */
export async function until<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await fn()
    if (value) return value as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export interface SseEvent {
  readonly event: string
  readonly data: string
  readonly id?: string
}

/** Reads Server-Sent Events from a streaming response. */
export class SseReader {
  readonly events: SseEvent[] = []
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>
  readonly #decoder = new TextDecoder()
  #buffer = ''
  #done = false
  readonly #pump: Promise<void>

  constructor(response: Response) {
    this.#reader = response.body!.getReader()
    this.#pump = this.#run()
  }

  get done(): boolean {
    return this.#done
  }

  async #run(): Promise<void> {
    try {
      for (;;) {
        const { value, done } = await this.#reader.read()
        if (done) break
        this.#buffer += this.#decoder.decode(value, { stream: true })
        for (let end = this.#buffer.indexOf('\n\n'); end !== -1; end = this.#buffer.indexOf('\n\n')) {
          const block = this.#buffer.slice(0, end)
          this.#buffer = this.#buffer.slice(end + 2)
          const fields: Record<string, string> = {}
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue
            const colon = line.indexOf(':')
            fields[line.slice(0, colon)] = line.slice(colon + 2)
          }
          if (fields.event !== undefined)
            this.events.push({
              event: fields.event,
              data: fields.data ?? '',
              ...(fields.id && { id: fields.id }),
            })
        }
      }
    } catch {
      // Cancelled.
    } finally {
      this.#done = true
    }
  }

  /** Resolves with the first event (from the start) that matches. */
  waitFor(match: (e: SseEvent) => boolean, timeoutMs = 10_000, what = 'an event'): Promise<SseEvent> {
    return until(() => this.events.find(match), timeoutMs, what)
  }

  async close(): Promise<void> {
    await this.#reader.cancel().catch(() => {})
    await this.#pump
  }
}
