/** A relay as saved in the agents' records, so that a restarted supervisor finds it again. */
export interface RelayRecord {
  readonly pid: number
  readonly startTicks: number
  /** Its mark (`WARDEN_LOG_RELAY` in its environment): a pid without it is not the relay. */
  readonly token: string
  /** The unix socket it listens on. */
  readonly socket: string
}

export const TOKEN_PATTERN = /^[0-9a-f]{32}$/
