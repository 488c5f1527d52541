import type { FastifyInstance } from 'fastify'
import { errors, NoQuery } from '../schemas/common.js'
import { Snapshot } from '../schemas/snapshot.js'
import type { Sources } from '../sources/sources.js'
import { Memo } from '../util/memo.js'
import { snapshot } from '../views/snapshot.js'

/** How long one snapshot may be served again while nothing changed (its `time` says when it was taken). */
export const SNAPSHOT_MAX_AGE_MS = 1000

export function snapshotRoutes(app: FastifyInstance, sources: Sources): void {
  // Serialized once and shared: many clients polling at once cost one snapshot.
  const memo = new Memo<Buffer>(SNAPSHOT_MAX_AGE_MS)
  app.get(
    '/v1/snapshot',
    {
      config: { access: 'read' },
      schema: { querystring: NoQuery, response: { 200: Snapshot, ...errors(400, 401) } },
    },
    async (_request, reply) => {
      const body = memo.get(sources.changes.generation, () => Buffer.from(JSON.stringify(snapshot(sources))))
      return reply.type('application/json; charset=utf-8').send(body)
    },
  )
}
