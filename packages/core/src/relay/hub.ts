import { RelayLink } from './link.js'
import type { RelayRecord } from './record.js'

/** How long a stopping relay may take to write what it read before it gets SIGTERM. */
const STOP_GRACE_MS = 2000

/** A relay that survived SIGKILL at shutdown, and the agents that used it. */
export interface RelaySurvivor {
  readonly users: readonly string[]
  readonly survivors: readonly number[]
}

/**
 * The log relays of one supervisor: normally one, started lazily for the first process whose
 * output is piped and used by every later one; attached again when a restarted supervisor finds
 * it; replaced by a new one (for later spawns) when it dies.
 */
export class RelayHub {
  readonly #pollMs: number
  readonly #links = new Set<RelayLink>()
  #current: RelayLink | undefined
  #starting: Promise<RelayLink> | undefined
  #closed = false

  constructor(pollMs: number) {
    this.#pollMs = pollMs
  }

  /** The relay for a new agent process: the current one, else a new one (rejects when it cannot start). */
  async acquire(): Promise<RelayLink> {
    // A relay being attached again comes first: the restarted supervisor's agents share it.
    await Promise.all([...this.#links].map((l) => l.attached))
    if (this.#closed) throw new Error('the supervisor is shut down')
    if (this.#current?.usable) return this.#current
    this.#current = undefined
    this.#starting ??= RelayLink.start(this.#pollMs, (link) => this.#onIdle(link))
      .then((link) => {
        this.#add(link)
        this.#makeCurrent(link)
        return link
      })
      .finally(() => {
        this.#starting = undefined
      })
    return this.#starting
  }

  /** The link of a relay a previous supervisor recorded (one per relay), if it can be reached. */
  adopt(record: RelayRecord): RelayLink | undefined {
    const known = [...this.#links].find((l) => l.record.token === record.token)
    if (known !== undefined) return known
    const link = RelayLink.adopt(record, this.#pollMs, (l) => this.#onIdle(l))
    if (link === undefined) return undefined
    this.#add(link)
    void link.attached.then((ok) => {
      if (ok && !this.#current?.usable) this.#makeCurrent(link)
    })
    return link
  }

  /**
   * Stops every relay once the agents are stopped (their streams ended and written): each writes
   * what it read and exits, or is killed. Resolves with those that survived SIGKILL.
   */
  async close(killTimeoutMs: number): Promise<RelaySurvivor[]> {
    this.#closed = true
    await this.#starting?.catch(() => {})
    const links = [...this.#links]
    const survivors = await Promise.all(links.map((l) => l.stop(STOP_GRACE_MS, killTimeoutMs)))
    return links
      .map((link, i) => ({ users: link.users, survivors: survivors[i]! }))
      .filter((r) => r.survivors.length > 0)
  }

  #add(link: RelayLink): void {
    this.#links.add(link)
    void link.gone.then(() => {
      this.#links.delete(link)
      if (this.#current === link) this.#current = undefined
    })
  }

  #makeCurrent(link: RelayLink): void {
    this.#current = link
    for (const other of this.#links) if (other !== link) this.#onIdle(other)
  }

  /** A relay other than the current one, once its last stream ended, is let go: it then exits. */
  #onIdle(link: RelayLink): void {
    if (this.#current?.usable && link !== this.#current && link.idle) link.detach()
  }
}
