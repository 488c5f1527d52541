import type { FastifyInstance } from 'fastify'
import { errors } from '../schemas/common.js'
import { timeMs } from '../schemas/duration.js'
import { EventsQuery, RecentEvents, RecentEventsQuery } from '../schemas/events.js'
import type { LoggedEvent } from '../sources/event-log.js'
import type { Sources } from '../sources/sources.js'
import type { StreamSet } from '../sse/streams.js'

export function eventRoutes(app: FastifyInstance, sources: Sources, streams: StreamSet): void {
  app.get<{ Querystring: EventsQuery }>(
    '/v1/events',
    {
      config: { access: 'read' },
      schema: { querystring: EventsQuery, response: { ...errors(400, 401, 503) } },
    },
    async (request, reply) => {
      const agent = request.query.agent
      const lastId = Number(request.headers['last-event-id'])
      const stream = streams.open(reply)
      const send = (e: LoggedEvent): void => {
        if (agent === undefined || e.agent === agent) stream.send(e.name, e.data, e.seq)
      }
      // A reconnecting client gets what it missed, as long as the ring still holds it.
      if (Number.isSafeInteger(lastId) && lastId >= 0) for (const e of sources.events.since(lastId)) send(e)
      stream.onClose(sources.events.subscribe(send))
      return reply
    },
  )

  // The kept events as JSON, for what a stream cannot give: the past (the dashboard's markers).
  app.get<{ Querystring: RecentEventsQuery }>(
    '/v1/events/recent',
    {
      config: { access: 'read' },
      schema: { querystring: RecentEventsQuery, response: { 200: RecentEvents, ...errors(400, 401) } },
    },
    async (request): Promise<RecentEvents> => {
      const { since, agent } = request.query
      const from = since === undefined ? 0 : timeMs('since', since, Date.now())
      const events = sources.events.recent(from, agent).map((e) => ({
        id: e.seq,
        event: e.name,
        agent: e.agent,
        time: e.time,
        data: JSON.parse(e.data) as unknown,
      }))
      return {
        events,
        keptSince: sources.events.oldestTime ?? null,
        keep: sources.events.keep,
        lastId: sources.events.lastSeq,
      }
    },
  )
}
