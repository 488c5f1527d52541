import type { FastifyInstance } from 'fastify'
import { AgentNotFoundError, ControlConflictError, ControlFailedError, UnavailableError } from '../errors.js'
import { AgentAnswer } from '../schemas/agent.js'
import { errors, NoQuery } from '../schemas/common.js'
import { ControlParams } from '../schemas/control.js'
import type { Sources } from '../sources/sources.js'
import { agentView } from '../views/agent.js'

/** The supervisor's refusals, as HTTP answers. */
function mapError(id: string, error: unknown): unknown {
  switch ((error as { code?: unknown }).code) {
    case 'ERR_CORE_AGENT_NOT_FOUND':
      return new AgentNotFoundError({ id })
    case 'ERR_CORE_SUPERSEDED':
    case 'ERR_CORE_NOT_STARTABLE':
      return new ControlConflictError({ id, cause: error as Error })
    case 'ERR_CORE_CLOSED':
      return new UnavailableError({ reason: 'the supervisor is shutting down' })
    case 'ERR_CORE_STOP_TIMEOUT':
      return new ControlFailedError({ id, cause: error as Error })
    default:
      return error
  }
}

/** `POST /v1/agents/:id/{start,stop,restart}`: answers once the supervisor's call settled. */
export function controlRoutes(app: FastifyInstance, sources: Sources): void {
  app.post<{ Params: ControlParams }>(
    '/v1/agents/:id/:action',
    {
      config: { access: 'control' },
      schema: {
        params: ControlParams,
        querystring: NoQuery,
        response: { 200: AgentAnswer, ...errors(400, 401, 403, 404, 409, 500, 503) },
      },
    },
    async (request) => {
      const { id, action } = request.params
      if (sources.supervisor.get(id) === undefined) throw new AgentNotFoundError({ id })
      const info = await sources.supervisor[action](id).catch((error: unknown) => {
        throw mapError(id, error)
      })
      request.log.info({ agent: id, action, token: request.principal?.name }, 'agent control')
      return { agent: agentView(sources, info, Date.now(), sources.gpuByAgent()) }
    },
  )
}
