import { parseArgs } from 'node:util'
import { loadConfig } from './config/load.js'
import { WardenDaemon } from './daemon.js'
import { ConfigError, StartupError } from './errors.js'
import { createLogger } from './log.js'

/** Exit codes of `warden run` (and `warden check`). */
export const EXIT = {
  /** Stopped cleanly: every agent stopped, the store closed. */
  ok: 0,
  /** Stopped, but a step failed or `shutdownTimeout` passed (see the last log line). */
  shutdownFailed: 1,
  /** Bad command line or config: nothing was started. */
  usage: 2,
  /** Could not start (data directory locked by another warden, address in use, …): nothing is left running. */
  startup: 3,
} as const

export interface RunIO {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean }
  readonly stderr: NodeJS.WritableStream
  readonly env: Readonly<Record<string, string | undefined>>
}

const RUN_OPTIONS = {
  config: { type: 'string', short: 'c' },
  'data-dir': { type: 'string' },
  listen: { type: 'string' },
  'log-format': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

export const RUN_USAGE = `usage: warden run [--config warden.yaml] [--data-dir DIR] [--listen HOST:PORT] [--log-format auto|json|pretty]
       warden check [--config warden.yaml]
  --config      the YAML config (default: $WARDEN_CONFIG, else ./warden.yaml)
  --data-dir    overrides dataDir (store, host history, logs)
  --listen      overrides listen
  SIGTERM/SIGINT stop every agent and exit; SIGHUP reloads the config.
`

/** Reads the command line and the config; a usage or config problem is printed and gives an exit code. */
async function configFrom(argv: readonly string[], io: RunIO) {
  let values: { config?: string; 'data-dir'?: string; listen?: string; 'log-format'?: string; help?: boolean }
  try {
    ;({ values } = parseArgs({
      args: [...argv],
      options: RUN_OPTIONS,
      strict: true,
      allowPositionals: false,
    }))
  } catch (error) {
    io.stderr.write(`warden: ${(error as Error).message}\n${RUN_USAGE}`)
    return EXIT.usage
  }
  if (values.help) {
    io.stdout.write(RUN_USAGE)
    return EXIT.ok
  }
  const format = values['log-format']
  if (format !== undefined && !['auto', 'json', 'pretty'].includes(format)) {
    io.stderr.write(`warden: --log-format: expected auto, json or pretty, got ${JSON.stringify(format)}\n`)
    return EXIT.usage
  }
  const file = values.config ?? io.env.WARDEN_CONFIG ?? 'warden.yaml'
  const overrides = {
    ...(values['data-dir'] !== undefined && { dataDir: values['data-dir'] }),
    ...(values.listen !== undefined && { listen: values.listen }),
    ...(format !== undefined && { logFormat: format as 'auto' | 'json' | 'pretty' }),
  }
  try {
    return { config: await loadConfig(file, { env: io.env, overrides }), overrides }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    io.stderr.write(`warden: ${error.message}\n`)
    return EXIT.usage
  }
}

/** `warden check`: loads the config as `run` would, prints a summary, starts nothing. */
export async function check(argv: readonly string[], io: RunIO): Promise<number> {
  const loaded = await configFrom(argv, io)
  if (typeof loaded === 'number') return loaded
  const { config } = loaded
  io.stdout.write(
    `${config.file}: ok — ${config.agents.length} agents (${config.agents.map((a) => a.spec.id).join(', ') || 'none'}), listen ${config.listen.host}:${config.listen.port}, ${config.tokens.length} tokens, data in ${config.dataDir}\n`,
  )
  return EXIT.ok
}

/**
 * `warden run`: starts the daemon and keeps it until SIGTERM/SIGINT (ordered shutdown), reloading
 * the config on SIGHUP. Resolves with the exit code.
 */
export async function run(
  argv: readonly string[],
  io: RunIO,
  process: NodeJS.Process = globalThis.process,
): Promise<number> {
  const loaded = await configFrom(argv, io)
  if (typeof loaded === 'number') return loaded
  const { config, overrides } = loaded
  const log = createLogger({ ...config.log, destination: io.stdout })
  let daemon: WardenDaemon
  try {
    daemon = await WardenDaemon.start({ config, logger: log, env: io.env, overrides })
  } catch (error) {
    if (!(error instanceof StartupError)) throw error
    log.fatal({ event: 'startup-failed', step: error.step, code: error.code }, error.message)
    return EXIT.startup
  }
  return new Promise<number>((resolve) => {
    let signals = 0
    const stop = (signal: NodeJS.Signals) => {
      if (signals++ > 0) {
        log.warn(
          { event: 'signal', signal },
          `${signal}: already stopping (at most ${config.shutdownTimeoutMs} ms)`,
        )
        return
      }
      log.info({ event: 'signal', signal }, `${signal}: stopping`)
      daemon.shutdown().then(
        () => finish(EXIT.ok),
        () => finish(EXIT.shutdownFailed),
      )
    }
    const reload = () => {
      log.info({ event: 'signal', signal: 'SIGHUP' }, 'SIGHUP: reloading the config')
      daemon.reload().catch((error: Error & { code?: string }) => {
        log.error(
          { event: 'reload-failed', code: error.code },
          `config not reloaded, the running one stays: ${error.message}`,
        )
      })
    }
    const finish = (code: number) => {
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
      process.off('SIGHUP', reload)
      log.flush?.()
      resolve(code)
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
    process.on('SIGHUP', reload)
  })
}
