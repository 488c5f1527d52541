import type { FastifyReply, FastifyRequest } from 'fastify'
import { ForbiddenError, TokenInQueryError, UnauthorizedError } from '../errors.js'
import type { Access } from '../options.js'
import { parseAuthorization } from './header.js'
import { tokenParameter } from './query.js'
import type { Principal, TokenSet } from './tokens.js'

/** Who may call a route: anyone (`public`), a read token, or a control token. */
export type RouteAccess = 'public' | Access

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on every route; a route without it is refused. */
    access?: RouteAccess
  }
  interface FastifyRequest {
    /** The token's name and access, once authenticated (undefined without auth). */
    principal: Principal | undefined
  }
}

const REALM = 'Bearer realm="warden"'

/**
 * The onRequest hook: a token in the query string is refused everywhere (before anything else
 * reads the request); then, when tokens are configured, every non-public route needs a bearer
 * token, and control routes a control token.
 */
export function authHook(tokens: TokenSet) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    request.principal = undefined
    const parameter = tokenParameter(request.url)
    if (parameter !== undefined) throw new TokenInQueryError({ parameter })
    // A route without `access` is refused as control-only; an unknown path needs any token (then 404).
    const access = request.is404 ? 'read' : (request.routeOptions.config.access ?? 'control')
    if (access === 'public' || tokens.size === 0) return
    const credentials = parseAuthorization(request.headers.authorization)
    if (credentials.kind !== 'bearer') {
      reply.header('www-authenticate', REALM)
      throw new UnauthorizedError({ reason: credentials.kind })
    }
    const principal = tokens.verify(credentials.token)
    if (principal === undefined) {
      reply.header('www-authenticate', `${REALM}, error="invalid_token"`)
      throw new UnauthorizedError({ reason: 'invalid' })
    }
    request.principal = principal
    if (access === 'control' && principal.access !== 'control') {
      reply.header('www-authenticate', `${REALM}, error="insufficient_scope", scope="control"`)
      throw new ForbiddenError()
    }
  }
}
