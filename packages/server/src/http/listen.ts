import type { FastifyInstance, FastifyListenOptions } from 'fastify'
import { isLoopback } from '../auth/loopback.js'
import { InsecureListenError } from '../errors.js'

/** The loopback address the server listens on when no host is given. */
export const DEFAULT_HOST = '127.0.0.1'

/**
 * Wraps `app.listen`: the host defaults to 127.0.0.1 (not fastify's `localhost`), and an address
 * other than loopback is refused while no token is configured.
 */
export function guardListen(app: FastifyInstance, hasTokens: boolean): void {
  const listen = app.listen.bind(app) as (opts: FastifyListenOptions) => Promise<string>
  const guarded = async (opts: FastifyListenOptions = {}): Promise<string> => {
    if (opts.path !== undefined) return listen(opts)
    const host = opts.host ?? DEFAULT_HOST
    if (!hasTokens && !isLoopback(host)) throw new InsecureListenError({ host })
    return listen({ ...opts, host })
  }
  Object.defineProperty(app, 'listen', { value: guarded, configurable: true, writable: true })
}
