import type { FastifyInstance } from 'fastify'
import type { Asset } from '../dashboard/assets.js'
import { errors, NoQuery } from '../schemas/common.js'

/**
 * Everything the page loads comes from this server; no inline script or style, no eval. Data
 * requests go to the same origin with a bearer token from the page's own prompt.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/** The dashboard's static files: public (they hold no data), each with a strict CSP. */
export function dashboardRoutes(app: FastifyInstance, assets: ReadonlyMap<string, Asset>): void {
  for (const [path, file] of assets) {
    app.get(
      path,
      {
        config: { access: 'public' },
        schema: { querystring: NoQuery, response: errors(400) },
      },
      async (request, reply) => {
        reply
          .header('content-security-policy', DASHBOARD_CSP)
          .header('x-content-type-options', 'nosniff')
          .header('referrer-policy', 'no-referrer')
          .header('cache-control', 'no-cache')
          .header('etag', file.etag)
        if (request.headers['if-none-match'] === file.etag) return reply.status(304).send()
        return reply.type(file.type).send(file.body)
      },
    )
  }
}
