import type { FastifyInstance } from 'fastify'
import { errors, NoQuery } from '../schemas/common.js'
import { Snapshot } from '../schemas/snapshot.js'
import type { Sources } from '../sources/sources.js'
import { snapshot } from '../views/snapshot.js'

export function snapshotRoutes(app: FastifyInstance, sources: Sources): void {
  app.get(
    '/v1/snapshot',
    {
      config: { access: 'read' },
      schema: { querystring: NoQuery, response: { 200: Snapshot, ...errors(400, 401) } },
    },
    async () => snapshot(sources),
  )
}
