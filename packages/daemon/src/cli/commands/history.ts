import type { History } from '@warden/server'
import { agentIdOf, type Command, type Context } from '../command.js'
import { UsageError } from '../errors.js'
import { renderTable } from '../format/table.js'
import { formatBytes, formatPercent, formatTime, orDash } from '../format/units.js'

/** The server's own rule (`since`, `until`, `interval`): digits, then an optional unit. */
const DURATION = /^[0-9]{1,16}(ms|s|m|h|d|w)?$/

export const history: Command = {
  synopsis: 'history <id> [--since 24h] [--until T] [--interval 5m]',
  args: ['id'],
  options: { since: { type: 'string' }, until: { type: 'string' }, interval: { type: 'string' } },
  async run(ctx: Context): Promise<number> {
    const id = agentIdOf(ctx)
    const query = {
      since: time('since', ctx.values.since),
      until: time('until', ctx.values.until),
      interval: interval(ctx.values.interval),
    }
    const answer = await ctx.client.get<History>(`/v1/agents/${id}/history`, query)
    if (ctx.json) {
      ctx.io.stdout.write(`${JSON.stringify(answer, null, 2)}\n`)
      return 0
    }
    note(ctx, answer)
    if (answer.buckets !== undefined) printBuckets(ctx, answer.buckets)
    else printPoints(ctx, answer.points ?? [])
    return 0
  },
}

type Bucket = NonNullable<History['buckets']>[number]
type Point = NonNullable<History['points']>[number]

function printBuckets({ io, color }: Context, buckets: readonly Bucket[]): void {
  if (buckets.length === 0) return
  const columns = [
    { header: 'TIME' },
    { header: 'SAMPLES', align: 'right' },
    { header: 'CPU AVG', align: 'right' },
    { header: 'CPU MAX', align: 'right' },
    { header: 'MEM AVG', align: 'right' },
    { header: 'MEM MAX', align: 'right' },
  ] as const
  const rows = buckets.map((b) => [
    formatTime(b.start),
    String(b.count),
    orDash(b.cpuPercent?.avg, formatPercent),
    orDash(b.cpuPercent?.max, formatPercent),
    orDash(b.memoryRss?.avg, formatBytes),
    orDash(b.memoryRss?.max, formatBytes),
  ])
  io.stdout.write(renderTable(columns, rows, color))
}

function printPoints({ io, color }: Context, points: readonly Point[]): void {
  if (points.length === 0) return
  const columns = [
    { header: 'TIME' },
    { header: 'CPU', align: 'right' },
    { header: 'MEMORY', align: 'right' },
    { header: 'THREADS', align: 'right' },
    { header: 'FILES', align: 'right' },
  ] as const
  const rows = points.map((p) => [
    formatTime(p.timestamp ?? 0),
    orDash(p.cpuPercent, formatPercent),
    orDash(p.memoryRss, formatBytes),
    orDash(p.threads, String),
    orDash(p.openFiles, String),
  ])
  io.stdout.write(renderTable(columns, rows, color))
}

/** What a reader of the table should know about the answer, on stderr so the table stays clean. */
function note({ io }: Context, answer: History): void {
  const count = answer.buckets?.length ?? answer.points?.length ?? 0
  if (count === 0) io.stderr.write(`warden: no history for ${answer.agent} in this range\n`)
  if (answer.since !== null && answer.coveredSince !== null && answer.coveredSince > answer.since) {
    io.stderr.write(
      `warden: the history of ${answer.agent} only reaches back to ${formatTime(answer.coveredSince)}\n`,
    )
  }
  if (answer.buckets === undefined && answer.tier !== 'raw' && count > 0) {
    io.stderr.write(
      `warden: raw points no longer reach back that far: these are from the ${answer.tier} ms rollup tier\n`,
    )
  }
}

function time(name: 'since' | 'until', value: string | boolean | undefined): string | undefined {
  if (typeof value !== 'string') return undefined
  // A duration with a unit must be above 0 (the server's rule); digits alone are epoch ms, 0 included.
  if (!DURATION.test(value) || /^0+(ms|s|m|h|d|w)$/.test(value)) {
    throw new UsageError(
      `--${name} expects epoch ms, or a duration above 0 meaning that long ago (15m, 24h, 7d), got ${JSON.stringify(value)}`,
    )
  }
  return value
}

function interval(value: string | boolean | undefined): string | undefined {
  if (typeof value !== 'string') return undefined
  if (!DURATION.test(value) || /^0+(ms|s|m|h|d|w)?$/.test(value)) {
    throw new UsageError(
      `--interval expects a duration above 0 (30s, 5m, 1h; digits alone are ms), got ${JSON.stringify(value)}`,
    )
  }
  return value
}
