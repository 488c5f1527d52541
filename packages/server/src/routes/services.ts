import type { FastifyInstance } from 'fastify'
import { HostNotConfiguredError, ServicesUnavailableError } from '../errors.js'
import { errors, NoQuery } from '../schemas/common.js'
import { Services } from '../schemas/services.js'
import type { Sources } from '../sources/sources.js'

export function serviceRoutes(app: FastifyInstance, sources: Sources): void {
  app.get(
    '/v1/services',
    {
      config: { access: 'read' },
      schema: { querystring: NoQuery, response: { 200: Services, ...errors(400, 401, 404, 503) } },
    },
    async () => {
      const host = sources.host
      if (host === undefined) throw new HostNotConfiguredError()
      const units = await host.discoverServices().catch((cause: unknown) => {
        throw new ServicesUnavailableError({ cause })
      })
      const systemd = host.latest()?.systemd
      return { units, watched: systemd?.ok ? systemd.data : null }
    },
  )
}
