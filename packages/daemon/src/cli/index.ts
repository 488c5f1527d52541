export { DaemonClient } from './client.js'
export {
  AuthError,
  DaemonAnswerError,
  DaemonUnreachableError,
  EXIT,
  InterruptedError,
  UsageError,
} from './errors.js'
export type { CliIO } from './io.js'
export { runCli } from './run-cli.js'
