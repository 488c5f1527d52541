import fastify, { type FastifyInstance, LogController } from 'fastify'
import { authHook } from './auth/hook.js'
import { TokenSet } from './auth/tokens.js'
import { loadAssets } from './dashboard/assets.js'
import { errorHandler, notFoundHandler } from './http/error-handler.js'
import { guardListen } from './http/listen.js'
import { logResponse } from './http/request-log.js'
import { MetricsExporter } from './metrics/exporter.js'
import type { ServerOptions } from './options.js'
import { agentRoutes } from './routes/agents.js'
import { controlRoutes } from './routes/control.js'
import { dashboardRoutes } from './routes/dashboard.js'
import { eventRoutes } from './routes/events.js'
import { healthRoutes } from './routes/health.js'
import { historyRoutes } from './routes/history.js'
import { logRoutes } from './routes/logs.js'
import { metricsRoutes } from './routes/metrics.js'
import { serviceRoutes } from './routes/services.js'
import { snapshotRoutes } from './routes/snapshot.js'
import { Sources } from './sources/sources.js'
import { StreamSet } from './sse/streams.js'
import { validateOptions } from './validate-options.js'

/**
 * A fastify instance serving the Warden HTTP API and `/metrics` from the public APIs of the
 * supervisor, monitor, host and store. Call `listen()` (127.0.0.1 by default) and `close()`; the
 * server never stops or closes what it was given.
 */
export function createServer(options: ServerOptions): FastifyInstance {
  const o = validateOptions(options)
  const tokens = new TokenSet(o.tokens)
  // Read before anything starts: a package without its dashboard files fails here, not on a page load.
  const assets = o.dashboard ? loadAssets({ auth: tokens.size > 0 }) : undefined
  const app = fastify({
    ...(o.logger !== undefined && { loggerInstance: o.logger }),
    // Our onResponse hook logs requests without their query string (a pasted token stays out of logs).
    logController: new LogController({ disableRequestLogging: true }),
    // No route takes a body: a small limit turns a flood into a 413 at once.
    bodyLimit: 16 * 1024,
    // Agent ids are up to 128 characters: a longer one is a 400 naming `id`, not fastify's 414.
    routerOptions: { maxParamLength: 256 },
    // Unknown query parameters are errors (a typo such as `?interal=` must not be ignored).
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false },
    },
  })
  const sources = new Sources(o)
  const streams = new StreamSet(o.maxStreams, o.heartbeatMs)
  const exporter = new MetricsExporter(sources, (metric, error) =>
    app.log.warn({ metric, err: error }, 'a metric failed to collect; the scrape went on without it'),
  )
  app.decorateRequest('principal', undefined)
  app.addHook('onRequest', authHook(tokens))
  app.addHook('onResponse', logResponse)
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler(notFoundHandler)
  // Event streams never end on their own: end them first, or close() would wait for them.
  app.addHook('preClose', async () => streams.closeAll())
  app.addHook('onClose', async () => sources.close())

  healthRoutes(app, sources)
  snapshotRoutes(app, sources)
  agentRoutes(app, sources)
  historyRoutes(app, sources)
  logRoutes(app, sources, streams, o.logPollMs)
  eventRoutes(app, sources, streams)
  controlRoutes(app, sources)
  serviceRoutes(app, sources)
  metricsRoutes(app, exporter)
  if (assets !== undefined) dashboardRoutes(app, assets)
  guardListen(app, tokens.size > 0)
  return app
}
