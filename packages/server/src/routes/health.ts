import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { errors, NoQuery } from '../schemas/common.js'
import type { Sources } from '../sources/sources.js'
import { health } from '../views/health.js'

/** `/v1/health` and `/v1/ready`: no token, for load balancers, systemd and probes. */
export function healthRoutes(app: FastifyInstance, sources: Sources): void {
  app.get(
    '/v1/health',
    {
      config: { access: 'public' },
      schema: {
        querystring: NoQuery,
        response: { 200: Type.Unknown(), 503: Type.Unknown(), ...errors(400) },
      },
    },
    async (_request, reply) => {
      const h = health(sources)
      return reply.status(h.status === 'failing' ? 503 : 200).send(h)
    },
  )

  app.get(
    '/v1/ready',
    {
      config: { access: 'public' },
      schema: {
        querystring: NoQuery,
        response: { 200: Type.Unknown(), 503: Type.Unknown(), ...errors(400) },
      },
    },
    async (_request, reply) => {
      const waitingFor: string[] = []
      const agents = sources.supervisor.list()
      // Ready once there is data to serve: the monitor ticked (its points exist) and the host too.
      const sampled =
        sources.ticks.lastPoll !== undefined ||
        agents.every((a) => a.pid === null) ||
        agents.some((a) => sources.monitor.latest(a.id) !== undefined)
      if (!sources.monitor.running || !sampled) waitingFor.push('monitor')
      if (sources.host !== undefined && sources.host.latest() === undefined) waitingFor.push('host')
      return reply
        .status(waitingFor.length === 0 ? 200 : 503)
        .send({ ready: waitingFor.length === 0, waitingFor })
    },
  )
}
