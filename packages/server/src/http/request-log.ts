import type { FastifyReply, FastifyRequest } from 'fastify'
import { pathOf } from '../auth/query.js'

/**
 * One line per answered request, in place of fastify's request logging, which logs the raw URL:
 * the query string is left out (a token pasted there must not reach the logs), the token is named
 * by its configured name only.
 */
export async function logResponse(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  request.log.info(
    {
      method: request.method,
      path: pathOf(request.url),
      route: request.routeOptions.url,
      statusCode: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 100) / 100,
      token: request.principal?.name,
    },
    'request',
  )
}
