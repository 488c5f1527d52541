import { assertAgentId } from '@warden/utils'
import { InvalidOptionError, OutOfOrderPointError } from '../errors.js'
import { copyPoint, validatePoint } from '../history/fields.js'
import type { Series } from '../history/series.js'
import type { JournalWriter } from '../journal/writer.js'
import type { ResourceDataPoint, StorePoint } from '../types.js'
import { type Entry, isDirty, newestTimestamp } from './entry.js'
import type { AppendEntry, AppendFailure, AppendManyResult, CorruptEvent, StoreEvents } from './metadata.js'
import type { Records } from './records.js'

interface Accepted {
  readonly index: number
  readonly id: string
  readonly point: StorePoint
  readonly entry: Entry
}

/**
 * The append path: points checked against their agent's record and the points already accepted
 * for it, journaled (group commit), and applied to memory only once durable. Calls reach the
 * journal in call order.
 */
export class Appender {
  readonly #records: Records
  readonly #journal: JournalWriter
  readonly #due: (id: string) => void
  readonly #create: (entry: Entry, point: StorePoint) => Promise<void>
  readonly #emit: <E extends keyof StoreEvents>(event: E, ...args: StoreEvents[E]) => void
  readonly #series: Series
  // Calls waiting for an agent's queue before they can submit, and the last one's turn to submit.
  #waiting = 0
  #turn: Promise<void> = Promise.resolve()

  /** `create` writes an agent's first point as its file; `due` says its file lacks `checkpointEvery` points. */
  constructor(
    records: Records,
    journal: JournalWriter,
    hooks: {
      readonly series: Series
      readonly create: (entry: Entry, point: StorePoint) => Promise<void>
      readonly due: (id: string) => void
      readonly emit: <E extends keyof StoreEvents>(event: E, ...args: StoreEvents[E]) => void
    },
  ) {
    this.#records = records
    this.#journal = journal
    this.#create = hooks.create
    this.#due = hooks.due
    this.#emit = hooks.emit
    this.#series = hooks.series
  }

  /**
   * One point: `appendMany` of one entry, minus its bookkeeping when the agent's record is in memory
   * and nothing is queued before it (the common case: a monitor's tick calls this per agent). Rejects
   * with the entry's error.
   */
  appendOne(id: string, point: StorePoint): Promise<void> {
    validatePoint(this.#series, point)
    const entry = this.#ready(id)
    if (entry === undefined || this.#waiting > 0) {
      return this.appendMany([{ id, point }]).then(({ failed }) => {
        if (failed.length > 0) throw failed[0]!.error
      })
    }
    if (point.timestamp < entry.tentative) {
      throw new OutOfOrderPointError({ timestamp: point.timestamp, latestTimestamp: entry.tentative })
    }
    const accepted: Accepted = { index: 0, id, entry, point: copyPoint(this.#series, point) }
    entry.tentative = point.timestamp
    entry.reserved++
    const committed = this.#journal.append(
      [accepted],
      (lsn) => this.#apply(accepted, lsn),
      () => release(entry),
    )
    entry.inflight = committed
    return committed
  }

  /**
   * Validates every entry against its agent's record, journals the accepted points as one record
   * (one write, one fsync, shared with whatever else is queued) and applies them once durable.
   * Refused entries are listed; only a failed journal write rejects (then nothing was appended).
   * An agent whose record is in memory and has nothing queued is taken at once, in the caller's
   * turn (a tick's thousand entries cost no promise chain each); others wait in the agent's queue.
   */
  appendMany(entries: readonly AppendEntry<StorePoint>[]): Promise<AppendManyResult> {
    const failed: AppendFailure[] = []
    const accepted: Accepted[] = []
    const corrupt: CorruptEvent[] = []
    let settle!: () => void
    const settled = new Promise<void>((resolve) => {
      settle = resolve
    })
    const slow: Promise<void>[] = []
    // Agents' first points, written as their files rather than journaled.
    let created = 0
    for (let index = 0; index < entries.length; index++) {
      const item = entries[index]
      const id = (item as AppendEntry<StorePoint> | null)?.id
      try {
        if (item === null || typeof item !== 'object') {
          throw new InvalidOptionError({
            option: `entries[${index}]`,
            expected: 'an { id, point } object',
            value: item,
          })
        }
        assertAgentId(id)
        validatePoint(this.#series, item.point)
      } catch (error) {
        failed.push({ index, id: String(id), error: error as Error })
        continue
      }
      // What was validated is what gets journaled and applied, whatever the caller does to its object later.
      const point = copyPoint(this.#series, item.point)
      const ready = this.#ready(id)
      if (ready !== undefined) {
        accept({ index, id, entry: ready, point }, settled, accepted, failed)
        continue
      }
      slow.push(
        this.#records.run(id, async () => {
          try {
            const entry = await this.#records.entry(id, corrupt)
            if (entry.exists) accept({ index, id, entry, point }, settled, accepted, failed)
            else {
              await this.#create(entry, point)
              created++
            }
          } catch (error) {
            failed.push({ index, id, error: error as Error })
          }
        }),
      )
    }
    const submit = (): Promise<void> | undefined => {
      if (accepted.length === 0) return undefined
      accepted.sort((a, b) => a.index - b.index)
      return this.#journal.append(
        accepted,
        (lsn, i) => this.#apply(accepted[i]!, lsn),
        () => {
          for (const { entry } of accepted) release(entry)
        },
      )
    }
    let committed: Promise<void> | undefined
    if (slow.length === 0 && this.#waiting === 0) {
      try {
        committed = submit()
      } catch (error) {
        committed = Promise.reject(error)
      }
    } else committed = this.#inTurn(slow, submit)
    return this.#settle(committed, accepted, failed, corrupt, settle, () => created)
  }

  /** The agent's entry when a point can be accepted for it at once: in memory, with a file, nothing queued. */
  #ready(id: string): Entry | undefined {
    if (this.#records.busy(id)) return undefined
    const entry = this.#records.cached(id)
    return entry?.exists === true ? entry : undefined
  }

  /**
   * Submits a call's points to the journal only after every earlier call submitted its own: a later
   * call's point for an agent (validated after an earlier one still loading) must not commit first.
   */
  #inTurn(slow: Promise<void>[], submit: () => Promise<void> | undefined): Promise<void> {
    this.#waiting++
    const previous = this.#turn
    const handoff = Promise.all(slow)
      .then(() => previous)
      .then(() => ({ commit: submit() }))
      .finally(() => {
        this.#waiting--
      })
    this.#turn = handoff.then(
      () => undefined,
      () => undefined,
    )
    return handoff.then((h) => h.commit)
  }

  /** `created()`: how many new agents' first points were written as their files (counted once the slow entries ran). */
  async #settle(
    committed: Promise<void> | undefined,
    accepted: Accepted[],
    failed: AppendFailure[],
    corrupt: CorruptEvent[],
    settle: () => void,
    created: () => number,
  ): Promise<AppendManyResult> {
    try {
      let journaled = 0
      try {
        await committed
        journaled = accepted.length
      } catch (error) {
        // Rejecting says nothing was appended: true only when no new agent's file was written first.
        if (created() === 0) throw error
        for (const { index, id } of accepted) failed.push({ index, id, error: error as Error })
      }
      failed.sort((a, b) => a.index - b.index)
      return { appended: created() + journaled, failed }
    } finally {
      settle()
      for (const event of corrupt) this.#emit('corrupt', event)
    }
  }

  /** A committed point reaches memory (the journal called back: it is durable). */
  #apply({ id, point, entry }: Accepted, lsn: number): void {
    // Validated against the store's series, which its histories are made with.
    entry.meta.resourceUsage.add(point as ResourceDataPoint)
    entry.meta.updatedAt = Date.now()
    entry.exists = true
    if (!isDirty(entry)) entry.dirtyFrom = lsn
    entry.lsn = lsn
    entry.sinceFile++
    release(entry)
    if (entry.sinceFile >= entry.budget) this.#due(id)
  }
}

/** Checks a valid point's order against the record and the points already accepted for it. */
function accept(
  candidate: Accepted,
  settled: Promise<void>,
  accepted: Accepted[],
  failed: AppendFailure[],
): void {
  const { index, id, entry, point } = candidate
  if (point.timestamp < entry.tentative) {
    failed.push({
      index,
      id,
      error: new OutOfOrderPointError({ timestamp: point.timestamp, latestTimestamp: entry.tentative }),
    })
    return
  }
  entry.tentative = point.timestamp
  entry.reserved++
  entry.inflight = settled
  accepted.push(candidate)
}

/** A point of the entry left the pending commits (applied, or its commit failed). */
function release(entry: Entry): void {
  entry.reserved--
  if (entry.reserved === 0) entry.tentative = newestTimestamp(entry.meta)
}
