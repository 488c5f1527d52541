import { agentIdOf, type Command, type Context } from '../command.js'
import { DaemonUnreachableError, InterruptedError, UsageError } from '../errors.js'

const MAX_LINES = 10_000

export const logs: Command = {
  synopsis: 'logs <id> [-f|--follow] [-n|--lines N] [--stream stdout|stderr]',
  args: ['id'],
  options: {
    follow: { type: 'boolean', short: 'f' },
    lines: { type: 'string', short: 'n' },
    stream: { type: 'string' },
  },
  async run(ctx: Context): Promise<number> {
    const id = agentIdOf(ctx)
    const query = { lines: linesOf(ctx.values.lines), stream: streamOf(ctx.values.stream) }
    const path = `/v1/agents/${id}/logs`
    const print = printer(ctx, id, query.stream ?? 'stdout')
    if (ctx.values.follow !== true) {
      const answer = await ctx.client.get<{ lines: string[] }>(path, query)
      print(answer.lines)
      return 0
    }
    return follow(ctx, path, query, print)
  },
}

/**
 * Prints each batch of lines as it comes until the user interrupts (exit 0) or the daemon ends
 * the stream: with an `end` event saying why (exit 1), or by going away (exit 3).
 */
async function follow(
  { client, io }: Context,
  path: string,
  query: Record<string, string | number | undefined>,
  print: (lines: readonly string[]) => void,
): Promise<number> {
  try {
    for await (const event of client.events(path, { ...query, follow: true })) {
      if (event.event === 'lines') print((JSON.parse(event.data) as { lines: string[] }).lines)
      else if (event.event === 'gap') {
        io.stderr.write(
          'warden: lines may be missing here: the log was truncated or rotated faster than it was read\n',
        )
      } else if (event.event === 'end') {
        const { reason, code } = JSON.parse(event.data) as { reason?: string; code?: string }
        io.stderr.write(
          `warden: the daemon ended the log stream: ${reason ?? 'no reason given'}${code ? ` (${code})` : ''}\n`,
        )
        return 1
      }
    }
  } catch (error) {
    if (error instanceof InterruptedError) return 0
    throw error
  }
  throw new DaemonUnreachableError({ url: client.url, reason: 'it closed the log stream' })
}

function printer({ io, json }: Context, agent: string, stream: string): (lines: readonly string[]) => void {
  return (lines) => {
    const text = json ? lines.map((line) => JSON.stringify({ agent, stream, line })) : lines
    if (text.length > 0) io.stdout.write(`${text.join('\n')}\n`)
  }
}

function linesOf(value: string | boolean | undefined): number | undefined {
  if (typeof value !== 'string') return undefined
  const n = /^[0-9]{1,5}$/.test(value) ? Number(value) : Number.NaN
  if (!(n >= 1 && n <= MAX_LINES)) {
    throw new UsageError(
      `--lines expects a whole number from 1 to ${MAX_LINES}, got ${JSON.stringify(value)}`,
    )
  }
  return n
}

function streamOf(value: string | boolean | undefined): 'stdout' | 'stderr' | undefined {
  if (value === undefined || value === 'stdout' || value === 'stderr') return value
  throw new UsageError(`--stream expects stdout or stderr, got ${JSON.stringify(value)}`)
}
