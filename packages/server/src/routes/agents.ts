import type { FastifyInstance } from 'fastify'
import { AgentNotFoundError } from '../errors.js'
import { AgentAnswer, AgentList } from '../schemas/agent.js'
import { AgentParams, errors, NoQuery } from '../schemas/common.js'
import type { Sources } from '../sources/sources.js'
import { agentView } from '../views/agent.js'

export function agentRoutes(app: FastifyInstance, sources: Sources): void {
  app.get(
    '/v1/agents',
    {
      config: { access: 'read' },
      schema: { querystring: NoQuery, response: { 200: AgentList, ...errors(400, 401) } },
    },
    async () => {
      const now = Date.now()
      const gpu = sources.gpuByAgent()
      return { agents: sources.supervisor.list().map((info) => agentView(sources, info, now, gpu)) }
    },
  )

  app.get<{ Params: AgentParams }>(
    '/v1/agents/:id',
    {
      config: { access: 'read' },
      schema: {
        params: AgentParams,
        querystring: NoQuery,
        response: { 200: AgentAnswer, ...errors(400, 401, 404) },
      },
    },
    async (request) => {
      const info = sources.supervisor.get(request.params.id)
      if (info === undefined) throw new AgentNotFoundError({ id: request.params.id })
      return { agent: agentView(sources, info, Date.now(), sources.gpuByAgent()) }
    },
  )
}
