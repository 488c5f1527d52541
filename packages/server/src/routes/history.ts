import { type CollectorName, HOST_COLUMNS, HOST_SERIES } from '@warden/host'
import type { GaugeStats } from '@warden/store'
import type { FastifyInstance } from 'fastify'
import {
  AgentNotFoundError,
  HostHistoryNotConfiguredError,
  HostNotConfiguredError,
  InvalidParameterError,
} from '../errors.js'
import { AgentParams, errors } from '../schemas/common.js'
import { durationMs, timeMs } from '../schemas/duration.js'
import {
  AgentsHistory,
  AgentsHistoryQuery,
  HISTORY_FIELDS,
  History,
  HistoryQuery,
  HostHistory,
  HostHistoryQuery,
} from '../schemas/history.js'
import type { Sources } from '../sources/sources.js'

/** `since`/`until` in epoch ms, checked against each other. */
function window(query: { since?: string; until?: string }, now: number): { since?: number; until?: number } {
  const since = query.since === undefined ? undefined : timeMs('since', query.since, now)
  const until = query.until === undefined ? undefined : timeMs('until', query.until, now)
  if (since !== undefined && until !== undefined && since > until) {
    throw new InvalidParameterError({
      parameter: 'since',
      message: `Expected query parameter \`since\` (${since}) to be at most \`until\` (${until})`,
    })
  }
  return { ...(since !== undefined && { since }), ...(until !== undefined && { until }) }
}

export function historyRoutes(app: FastifyInstance, sources: Sources): void {
  app.get<{ Params: AgentParams; Querystring: HistoryQuery }>(
    '/v1/agents/:id/history',
    {
      config: { access: 'read' },
      schema: {
        params: AgentParams,
        querystring: HistoryQuery,
        response: { 200: History, ...errors(400, 401, 404) },
      },
    },
    async (request): Promise<History> => {
      const { id } = request.params
      const range = window(request.query, Date.now())
      const intervalMs =
        request.query.interval === undefined ? undefined : durationMs('interval', request.query.interval)
      const fields = fieldList(request.query.fields)
      const supervised = sources.supervisor.get(id) !== undefined
      // The record is a copy of the whole history: only read it when it is needed.
      const needRecord = sources.store !== undefined && (!supervised || intervalMs === undefined)
      const meta = needRecord ? await sources.store!.get(id) : undefined
      if (!supervised && meta === undefined) throw new AgentNotFoundError({ id })
      const head = { agent: id, since: range.since ?? null, until: range.until ?? null }
      if (intervalMs !== undefined) {
        const r = await sources.monitor.getResourceHistoryAggregated(id, { ...range, intervalMs })
        const buckets = pickBuckets(r.buckets, fields)
        return { ...head, tier: r.tier, coveredSince: r.coveredSince, intervalMs, buckets }
      }
      const pointKeys = fields && ['timestamp', ...fields.map((f) => HISTORY_FIELDS[f][0])]
      if (meta !== undefined) {
        // The store's query says which level answered when raw points no longer reach back.
        const q = meta.resourceUsage.query(range)
        const points = q.points.map((p) => pick<unknown>(p, pointKeys))
        return { ...head, tier: q.tier, coveredSince: q.coveredSince, intervalMs: null, points }
      }
      const points = (await sources.monitor.getResourceHistory(id, range)).map((p) =>
        pick<unknown>(p, pointKeys),
      )
      return { ...head, tier: 'raw', coveredSince: null, intervalMs: null, points }
    },
  )

  // One request for every agent's buckets: a window of 100 agents was 100 requests, and their
  // per-request cost in the browser (not the server's work) made most of its load time.
  app.get<{ Querystring: AgentsHistoryQuery }>(
    '/v1/history/agents',
    {
      config: { access: 'read' },
      schema: { querystring: AgentsHistoryQuery, response: { 200: AgentsHistory, ...errors(400, 401) } },
    },
    async (request): Promise<AgentsHistory> => {
      const range = window(request.query, Date.now())
      const intervalMs = durationMs('interval', request.query.interval)
      const fields = fieldList(request.query.fields)
      const columns = (fields ?? (Object.keys(HISTORY_FIELDS) as Field[])).map((f) => HISTORY_FIELDS[f][1])
      const agents: AgentsHistory['agents'] = []
      for (const info of sources.supervisor.list()) {
        const r = await sources.monitor.getResourceHistoryAggregated(info.id, { ...range, intervalMs })
        const out: Record<string, unknown> = {
          agent: info.id,
          tier: r.tier,
          coveredSince: r.coveredSince,
          start: r.buckets.map((b) => b.start),
          count: r.buckets.map((b) => b.count),
        }
        for (const column of columns) out[column] = r.buckets.map((b) => average(b, column))
        agents.push(out as AgentsHistory['agents'][number])
      }
      return { since: range.since ?? null, until: range.until ?? null, intervalMs, agents }
    },
  )

  app.get<{ Querystring: HostHistoryQuery }>(
    '/v1/host/history',
    {
      config: { access: 'read' },
      schema: {
        querystring: HostHistoryQuery,
        response: { 200: HostHistory, ...errors(400, 401, 404, 501) },
      },
    },
    async (request): Promise<HostHistory> => {
      const range = window(request.query, Date.now())
      const intervalMs =
        request.query.interval === undefined ? undefined : durationMs('interval', request.query.interval)
      if (sources.host === undefined) throw new HostNotConfiguredError()
      const history = sources.host.history
      if (history === undefined) throw new HostHistoryNotConfiguredError()
      const collector = (request.query.collector ?? null) as CollectorName | null
      const head = { since: range.since ?? null, until: range.until ?? null, collector }
      if (intervalMs !== undefined) {
        const r = await history.getHistoryAggregated({ ...range, intervalMs })
        const keys =
          collector === null
            ? undefined
            : ['start', 'end', 'count', ...HOST_COLUMNS[collector].map(bucketKey)]
        const buckets = r.buckets.map((b) => pick<number | null | GaugeStats>(b, keys))
        return { ...head, tier: r.tier, coveredSince: r.coveredSince, intervalMs, buckets }
      }
      // Like the agents' route: the finest tier answers once raw ticks no longer reach back to `since`.
      const q = await history.query(range)
      const keys = collector === null ? undefined : ['timestamp', ...HOST_COLUMNS[collector]]
      const points = q.points.map((p) => pick<number | null>(p, keys))
      return { ...head, tier: q.tier, coveredSince: q.coveredSince, intervalMs: null, points }
    },
  )
}

type Field = keyof typeof HISTORY_FIELDS

const fieldList = (fields: string | undefined): Field[] | undefined =>
  fields?.split(',') as Field[] | undefined

/** Buckets with only the columns of `fields` (all without it). */
function pickBuckets(buckets: readonly object[], fields: readonly Field[] | undefined) {
  const keys = fields && ['start', 'end', 'count', ...fields.map((f) => HISTORY_FIELDS[f][1])]
  return buckets.map((b) => pick<unknown>(b, keys)) as NonNullable<History['buckets']>
}

/** A gauge's average or a counter's rate in a bucket. */
function average(bucket: object, column: string): number | null {
  const value = (bucket as Record<string, GaugeStats | number | null | undefined>)[column]
  if (value === undefined || value === null) return null
  return typeof value === 'number' ? value : value.avg
}

/** A counter's column becomes its rate in a bucket. */
const bucketKey = (column: string): string => HOST_SERIES.rates[column] ?? column

/** `value` with only `keys` (all of it without `keys`); `V` is what its values are. */
function pick<V>(value: object, keys: readonly string[] | undefined): Record<string, V> {
  const all = value as Record<string, V>
  if (keys === undefined) return all
  const out: Record<string, V> = {}
  for (const key of keys) if (key in all) out[key] = all[key]!
  return out
}
