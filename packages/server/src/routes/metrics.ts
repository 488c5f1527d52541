import type { FastifyInstance } from 'fastify'
import type { MetricsExporter } from '../metrics/exporter.js'
import { prefersOpenMetrics } from '../metrics/negotiate.js'
import { errors, NoQuery } from '../schemas/common.js'

/** `GET /metrics`: Prometheus text, or OpenMetrics when the scraper asks for it. Needs a read token when tokens are set. */
export function metricsRoutes(app: FastifyInstance, exporter: MetricsExporter): void {
  app.get(
    '/metrics',
    { config: { access: 'read' }, schema: { querystring: NoQuery, response: errors(400, 401) } },
    async (request, reply) => {
      const { contentType, body } = await exporter.render(prefersOpenMetrics(request.headers.accept))
      return reply.header('content-type', contentType).send(body)
    },
  )
}
