import type { ParseArgsConfig } from 'node:util'
import { isAgentId } from '@warden/utils'
import type { DaemonClient } from './client.js'
import { UsageError } from './errors.js'
import type { CliIO } from './io.js'

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>

/** What a command runs with: its arguments and options, the client, and where to write. */
export interface Context {
  readonly io: CliIO
  readonly client: DaemonClient
  /** The positional arguments after the command's name, as many as `Command.args` names. */
  readonly args: readonly string[]
  readonly values: Readonly<Record<string, string | boolean | undefined>>
  readonly json: boolean
  /** Colors: a terminal, and NO_COLOR unset. */
  readonly color: boolean
}

export interface Command {
  /** The synopsis shown with a usage error: `logs <id> [-f] [-n N] [--stream stdout|stderr]`. */
  readonly synopsis: string
  /** Names of the required positional arguments (`id`). */
  readonly args: readonly string[]
  /** The command's own options, besides the global ones. */
  readonly options: OptionsConfig
  run(ctx: Context): Promise<number>
}

/** The `<id>` argument, checked as the server would (1–128 of `A-Z a-z 0-9 . _ -`) before it goes into a path. */
export function agentIdOf(ctx: Context): string {
  const id = ctx.args[0]!
  if (!isAgentId(id)) {
    throw new UsageError(
      `expected an agent id of 1–128 characters A-Z a-z 0-9 . _ -, got ${JSON.stringify(id)}`,
    )
  }
  return id
}
