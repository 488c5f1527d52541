import type { AgentView } from '@warden/server'
import { agentIdOf, type Command, type Context } from '../command.js'

const DONE = { start: 'started', stop: 'stopped', restart: 'restarted' } as const
const FAILED = new Set(['backoff', 'exited', 'fatal'])

/** `warden start|stop|restart <id>`: POSTs the action, then prints where the agent ended up. */
export function control(action: keyof typeof DONE): Command {
  return {
    synopsis: `${action} <id>`,
    args: ['id'],
    options: {},
    async run(ctx: Context): Promise<number> {
      const id = agentIdOf(ctx)
      const answer = await ctx.client.post<{ agent: AgentView }>(`/v1/agents/${id}/${action}`)
      if (ctx.json) {
        ctx.io.stdout.write(`${JSON.stringify(answer, null, 2)}\n`)
        return 0
      }
      const { status, pid, lastError } = answer.agent
      // A start that did not take says why; an older error on a stopped agent is not news.
      const failed = lastError !== null && FAILED.has(status)
      const detail = pid !== null ? `, pid ${pid}` : failed ? ` (${lastError.message})` : ''
      ctx.io.stdout.write(`${DONE[action]} ${id}: ${status}${detail}\n`)
      return 0
    },
  }
}
