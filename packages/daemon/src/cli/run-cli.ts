import { parseArgs } from 'node:util'
import { messageOf, WardenError } from '@warden/utils'
import { DaemonClient } from './client.js'
import type { Command, OptionsConfig } from './command.js'
import { control } from './commands/control.js'
import { history } from './commands/history.js'
import { logs } from './commands/logs.js'
import { status } from './commands/status.js'
import { resolveToken, resolveUrl } from './connection.js'
import { EXIT, exitCodeOf, UsageError } from './errors.js'
import type { CliIO } from './io.js'
import { USAGE } from './usage.js'

const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionsConfig

const COMMANDS: Record<string, Command> = {
  status,
  logs,
  start: control('start'),
  stop: control('stop'),
  restart: control('restart'),
  history,
}

/**
 * Runs the client command in `argv` (what follows `warden`: `['status', '--json']`) against the
 * daemon's API and returns the exit code (see EXIT in errors.ts). Never throws: every failure is
 * a `warden: …` line on stderr and its exit code. `warden run` is the bin's, not this.
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  try {
    return await dispatch(argv, io)
  } catch (error) {
    const message = error instanceof WardenError ? error.message : `unexpected error: ${messageOf(error)}`
    io.stderr.write(`warden: ${message}\n`)
    if (error instanceof UsageError) io.stderr.write('Run `warden help` for the commands and options.\n')
    return exitCodeOf(error)
  }
}

async function dispatch(argv: readonly string[], io: CliIO): Promise<number> {
  const name = commandName(argv)
  if (name === undefined || name === 'help') {
    const asked = name === 'help' || argv.includes('--help') || argv.includes('-h')
    ;(asked ? io.stdout : io.stderr).write(USAGE)
    return asked ? EXIT.ok : EXIT.usage
  }
  if (name === 'run')
    throw new UsageError('`warden run` starts the daemon: run it as `warden run --config warden.yaml`')
  const command = COMMANDS[name]
  if (command === undefined) throw new UsageError(`unknown command \`${name}\``)
  const { values, positionals } = parse(argv, command)
  if (values.help === true) {
    io.stdout.write(USAGE)
    return EXIT.ok
  }
  const args = positionals.slice(1)
  if (args.length < command.args.length) {
    throw new UsageError(`missing <${command.args[args.length]}>: warden ${command.synopsis}`)
  }
  if (args.length > command.args.length) {
    throw new UsageError(
      `unexpected argument ${JSON.stringify(args[command.args.length])}: warden ${command.synopsis}`,
    )
  }
  const url = resolveUrl(str(values.url), io.env)
  const token = await resolveToken({ token: str(values.token), tokenFile: str(values['token-file']) }, io.env)
  const client = new DaemonClient({ url, token, signal: io.signal })
  const color = io.isTTY === true && !io.env.NO_COLOR
  return command.run({ io, client, args, values, json: values.json === true, color })
}

/** The first positional argument, with every option any command knows consuming its value. */
function commandName(argv: readonly string[]): string | undefined {
  const all = Object.assign(
    {},
    GLOBAL_OPTIONS,
    ...Object.values(COMMANDS).map((c) => c.options),
  ) as OptionsConfig
  return parseArgs({ args: [...argv], options: all, strict: false, allowPositionals: true }).positionals[0]
}

/** The command line, strictly: an option the command does not know is a usage error that names it. */
function parse(argv: readonly string[], command: Command) {
  try {
    return parseArgs({
      args: [...argv],
      options: { ...GLOBAL_OPTIONS, ...command.options },
      strict: true,
      allowPositionals: true,
    })
  } catch (error) {
    const code = (error as { code?: unknown }).code
    const flag = /'([^']+)'/.exec(messageOf(error))?.[1]
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag !== undefined) {
      throw new UsageError(`unknown option ${flag} for \`warden ${command.synopsis.split(' ')[0]}\``)
    }
    throw new UsageError(messageOf(error))
  }
}

function str(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined
}
