import { WardenError } from '@warden/utils'

/** A /proc file did not parse: the kernel printed something we do not understand. */
export class ProcParseError extends WardenError {
  readonly code = 'ERR_MONITOR_PROC_PARSE' as const
  readonly path: string
  constructor({ path }: { path: string }) {
    super(`Cannot parse ${path}: not the format this sampler knows`)
    this.path = path
  }
}
