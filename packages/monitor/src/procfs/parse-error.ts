import { MonitorError } from '../errors.js'

/** A /proc file did not parse: the kernel printed something we do not understand. */
export class ProcParseError extends MonitorError {
  readonly code = 'ERR_MONITOR_PROC_PARSE'
  readonly path: string
  constructor({ path }: { path: string }) {
    super(`Cannot parse ${path}: not the format this sampler knows`)
    this.path = path
  }
}
