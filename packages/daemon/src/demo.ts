import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { loadConfig } from './config/load.js'
import { parseDuration } from './config/units.js'
import { WardenDaemon } from './daemon.js'
import { StartupError } from './errors.js'
import { createLogger } from './log.js'
import { EXIT, type RunIO } from './run.js'

/** The bundled demo config (`demo/warden.yaml` of this package). */
/** Run from a checkout (TypeScript source), where the CLI is the root package's `warden` script. */
const FROM_SOURCE = import.meta.url.endsWith('.ts')

export const DEMO_CONFIG = fileURLToPath(new URL('../demo/warden.yaml', import.meta.url))

const DEMO_USAGE = `usage: warden demo [--listen HOST:PORT] [--for DURATION] [--log-format auto|json|pretty] [--keep]
  Supervises four demo agents (a CPU burner, a memory leaker, a crash-looping agent, a steady
  worker) from a temporary data directory, with the API and dashboard on 127.0.0.1:9477 (or a
  free port when that one is taken). Ctrl-C stops everything and removes the directory.
  --for     stop by itself after this long (e.g. 60s)
  --keep    keep the data directory (its path is printed)
`

/** `warden demo` (`pnpm demo`): the daemon with the bundled config, a temp store and a random token. */
export async function demo(
  argv: readonly string[],
  io: RunIO,
  process: NodeJS.Process = globalThis.process,
): Promise<number> {
  let values: { listen?: string; for?: string; 'log-format'?: string; keep?: boolean; help?: boolean }
  try {
    ;({ values } = parseArgs({
      args: [...argv],
      options: {
        listen: { type: 'string' },
        for: { type: 'string' },
        'log-format': { type: 'string' },
        keep: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (error) {
    io.stderr.write(`warden demo: ${(error as Error).message}\n${DEMO_USAGE}`)
    return EXIT.usage
  }
  if (values.help) {
    io.stdout.write(DEMO_USAGE)
    return EXIT.ok
  }
  const stopAfter = values.for === undefined ? undefined : parseDuration(values.for, { min: 1 })
  const format = values['log-format'] ?? 'pretty'
  if (typeof stopAfter === 'string' || !['auto', 'json', 'pretty'].includes(format)) {
    io.stderr.write(
      `warden demo: ${typeof stopAfter === 'string' ? `--for: ${stopAfter}` : `--log-format: expected auto, json or pretty`}\n`,
    )
    return EXIT.usage
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'warden-demo-'))
  const token = randomBytes(24).toString('base64url')
  const env = { ...io.env, WARDEN_TOKEN: token }
  const cleanup = async () => {
    if (values.keep) io.stdout.write(`data kept in ${dataDir}\n`)
    else await rm(dataDir, { recursive: true, force: true })
  }

  const start = async (listen: string) => {
    const overrides = { dataDir, listen, logFormat: format as 'auto' | 'json' | 'pretty' }
    const config = await loadConfig(DEMO_CONFIG, { env, overrides })
    const logger = createLogger({ ...config.log, destination: io.stdout })
    return WardenDaemon.start({ config, logger, env, overrides })
  }
  let daemon: WardenDaemon
  try {
    try {
      daemon = await start(values.listen ?? '127.0.0.1:9477')
    } catch (error) {
      // The default port is taken (another warden?): any free one will do for a demo.
      if (!(error instanceof StartupError && error.step === 'listen' && values.listen === undefined))
        throw error
      daemon = await start('127.0.0.1:0')
    }
  } catch (error) {
    io.stderr.write(`warden demo: ${(error as Error).message}\n`)
    await cleanup()
    return EXIT.startup
  }

  const url = daemon.url
  io.stdout.write(
    [
      '',
      '  Warden demo: 4 agents supervised, sampled every 2 s',
      '',
      `  Dashboard   ${url}/`,
      `  Token       ${token}`,
      `  CLI         WARDEN_URL=${url} WARDEN_TOKEN=${token} ${FROM_SOURCE ? 'npx --yes pnpm@10 warden' : 'warden'} status`,
      `  Metrics     curl -H 'Authorization: Bearer ${token}' ${url}/metrics`,
      '',
      '  burner  burns a core 25 s out of 35: CPU over 30 % → warning, then error after 6 s',
      '  leaker  leaks ~20 MiB/s: over 150 MiB for 4 s → restarted by its threshold action',
      '  flaky   exits 1 after 0.8 s: restarts with backoff, fatal after 4 starts in 30 s',
      '  steady  a quiet worker',
      '',
      '  Ctrl-C stops every agent and removes the demo data.',
      '',
      '',
    ].join('\n'),
  )

  return new Promise<number>((resolve) => {
    let stopping = false
    const stop = () => {
      if (stopping) return
      stopping = true
      clearTimeout(timer)
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      daemon
        .shutdown()
        .then(
          () => EXIT.ok,
          () => EXIT.shutdownFailed,
        )
        .then(async (code) => {
          await cleanup()
          resolve(code)
        })
    }
    const timer = stopAfter === undefined ? undefined : setTimeout(stop, stopAfter)
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}
