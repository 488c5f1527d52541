/** Where a CLI command writes, what it reads from the environment, and what stops it. */
export interface CliIO {
  readonly stdout: { write(s: string): unknown }
  readonly stderr: { write(s: string): unknown }
  /** `WARDEN_URL`, `WARDEN_TOKEN`, `NO_COLOR` are read from here, not from `process.env`. */
  readonly env: Record<string, string | undefined>
  /** Aborted on SIGINT by the bin: ends `logs -f` (exit 0), interrupts any other request (exit 130). */
  readonly signal?: AbortSignal
  /** Colors only when true (and `NO_COLOR` is unset). */
  readonly isTTY?: boolean
}
