import type { LogPosition } from '@warden/core'
import type { FastifyInstance } from 'fastify'
import { AgentNotFoundError, LogsNotConfiguredError } from '../errors.js'
import { AgentParams, errors } from '../schemas/common.js'
import { Logs, LogsQuery } from '../schemas/logs.js'
import type { Sources } from '../sources/sources.js'
import type { SseStream } from '../sse/stream.js'
import type { StreamSet } from '../sse/streams.js'

/**
 * Sends what is appended to the log from `position` on, reading every `pollMs` (one read at a
 * time; a read that filled its byte budget is followed at once by the next).
 */
function follow(
  sources: Sources,
  stream: SseStream,
  id: string,
  which: 'stdout' | 'stderr',
  from: LogPosition,
  pollMs: number,
): void {
  let position = from
  let timer: NodeJS.Timeout | undefined
  const maxBytes = 256 * 1024
  const poll = async (): Promise<void> => {
    timer = undefined
    try {
      const read = await sources.supervisor.readLog(id, { stream: which, from: position, maxBytes })
      if (stream.closed) return
      if (read === undefined) {
        stream.send('end', JSON.stringify({ reason: 'logs-not-configured' }))
        stream.close()
        return
      }
      if (read.gap) stream.send('gap', '{}')
      if (read.lines.length > 0) stream.send('lines', JSON.stringify({ lines: read.lines }))
      const more =
        read.position.file === position.file && read.position.offset - position.offset >= maxBytes / 2
      position = read.position
      timer = setTimeout(() => void poll(), more ? 0 : pollMs).unref()
    } catch (error) {
      if (stream.closed) return
      const code = (error as { code?: unknown }).code
      stream.send(
        'end',
        JSON.stringify({
          reason: code === 'ERR_CORE_AGENT_NOT_FOUND' ? 'agent-removed' : 'read-failed',
          code,
        }),
      )
      stream.close()
    }
  }
  stream.onClose(() => clearTimeout(timer))
  timer = setTimeout(() => void poll(), pollMs).unref()
}

export function logRoutes(app: FastifyInstance, sources: Sources, streams: StreamSet, pollMs: number): void {
  app.get<{ Params: AgentParams; Querystring: LogsQuery }>(
    '/v1/agents/:id/logs',
    {
      config: { access: 'read' },
      schema: {
        params: AgentParams,
        querystring: LogsQuery,
        response: { 200: Logs, ...errors(400, 401, 404, 503) },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const { lines, stream: which, follow: following } = request.query
      if (sources.supervisor.get(id) === undefined) throw new AgentNotFoundError({ id })
      const read = await sources.supervisor
        .readLog(id, { stream: which, lines })
        .catch((error: { code?: unknown }) => {
          throw error.code === 'ERR_CORE_AGENT_NOT_FOUND' ? new AgentNotFoundError({ id }) : error
        })
      if (read === undefined) throw new LogsNotConfiguredError({ id, stream: which })
      if (!following) return { agent: id, stream: which, lines: read.lines }
      const stream = streams.open(reply)
      stream.send('lines', JSON.stringify({ lines: read.lines }))
      follow(sources, stream, id, which, read.position, pollMs)
      return reply
    },
  )
}
