import type { Supervisor } from '@warden/core'
import type { HostMonitor } from '@warden/host'
import type { ResourceMonitor } from '@warden/monitor'
import type { FileMetadataStore } from '@warden/store'
import type { FastifyBaseLogger } from 'fastify'
import type { EventFile } from './sources/event-file.js'

/** What a token may do: `read` every GET route, `control` also start/stop/restart agents. */
export type Access = 'read' | 'control'

export interface TokenOptions {
  /** The secret: 16 to 512 characters of the bearer token alphabet (`A-Z a-z 0-9 - . _ ~ + /`, `=` at the end). */
  readonly token: string
  readonly access: Access
  /** Shown in logs instead of the token (never the token itself). @default `token-<index>` */
  readonly name?: string
}

export interface AuthOptions {
  /** One or more tokens; several let one be rotated without downtime. */
  readonly tokens: readonly TokenOptions[]
}

export interface ServerOptions {
  /** Agents: their state, specs, logs and control. */
  readonly supervisor: Supervisor
  /** Agents' resources, alerts and history. Create the server before `monitor.start()`: alerts raised before it are not seen. */
  readonly monitor: ResourceMonitor
  /** Host collectors (snapshot, services, host metrics). @default undefined */
  readonly host?: HostMonitor
  /** The monitor's store: history answers say which rollup tier answered. @default undefined (the monitor's raw history) */
  readonly store?: FileMetadataStore
  /** Bearer tokens, or `false` for none, which only a loopback address accepts. */
  readonly auth: AuthOptions | false
  /** A pino-compatible logger (fastify's). @default undefined (no logs) */
  readonly logger?: FastifyBaseLogger
  /** The node's id in `/v1/snapshot`. @default os.hostname() */
  readonly id?: string
  /** Most event streams (`/v1/events`, followed logs) open at once. @default 64 */
  readonly maxStreams?: number
  /** A comment line every so often keeps idle event streams open through proxies (ms). @default 15000 */
  readonly heartbeatMs?: number
  /** How often a followed log file is read for new lines (ms). @default 250 */
  readonly logPollMs?: number
  /** Serve the live dashboard at `/` (its static files are public; its data needs a token). `false`: no `/` routes. @default true */
  readonly dashboard?: boolean
  /**
   * Lifecycle and alert events kept in memory: what `Last-Event-ID` replays and
   * `/v1/events/recent` answers, so how far back the dashboard's markers reach. @default 1000
   */
  readonly keptEvents?: number
  /**
   * Where events are kept across restarts (`openEventFile()`): the kept events start with the
   * file's, and every new one is appended. The caller opens it and closes it after the server.
   */
  readonly eventFile?: EventFile
}
