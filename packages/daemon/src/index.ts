// @warden/daemon: the `warden` daemon as a library (WardenDaemon), its config loader, the CLI
// (runCli, DaemonClient) and the errors of both.
export { InvalidOptionError, WardenError } from '@warden/utils'
export {
  AuthError,
  type CliIO,
  DaemonAnswerError,
  DaemonClient,
  DaemonUnreachableError,
  EXIT as CLI_EXIT,
  InterruptedError,
  runCli,
  UsageError,
} from './cli/index.js'
export {
  type ConfigOverrides,
  type DaemonAgent,
  type DaemonConfig,
  DEFAULT_PORT,
  type LoadOptions,
  type LogLevel,
  loadConfig,
  parseConfig,
} from './config/load.js'
export { type DaemonOptions, type ReloadResult, WardenDaemon } from './daemon.js'
export { DEMO_CONFIG, demo } from './demo.js'
export {
  ConfigError,
  type ConfigIssue,
  DaemonClosedError,
  type DaemonError,
  formatIssue,
  ShutdownError,
  StartupError,
} from './errors.js'
export { createLogger, type Logger, type LoggerOptions, logEvents } from './log.js'
export { check, EXIT, type RunIO, run } from './run.js'
