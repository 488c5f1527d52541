import { HISTORY_PARTS } from '../history/history.js'
import { historyPieces } from '../history/pieces.js'
import { SCHEMA_VERSION } from './format.js'
import type { AgentMetadata } from './metadata.js'

/** Longest stretch of formatting in one `step()` by default, ms (steps are ~0.1 ms each). */
const STEP_BUDGET_MS = 1

/**
 * A record's file, copied out of the record when constructed (typed arrays copied: a memcpy, so
 * points applied later cannot tear it) and formatted in bounded steps, so a checkpoint never
 * holds the event loop for the whole file.
 */
export class RecordEncoding {
  /** Metadata fields as JSON (may hold non-ASCII text). */
  readonly #head: string
  /** The history's ASCII pieces. */
  readonly #pieces: string[] = []
  readonly #steps: Generator<void, void, undefined>

  /** `journalLsn`: the journal LSN up to which the agent's journaled points are in this file. */
  constructor(meta: AgentMetadata, journalLsn: number) {
    const {
      resourceUsage,
      schemaVersion: _version,
      journalLsn: _lsn,
      ...rest
    } = meta as AgentMetadata & { schemaVersion?: unknown; journalLsn?: unknown }
    const fields = JSON.stringify(rest)
    // schemaVersion first so a human (or a future reader) sees it before anything else.
    this.#head = `{"schemaVersion":${SCHEMA_VERSION},"journalLsn":${journalLsn},${fields.slice(1, -1)}${fields === '{}' ? '' : ','}"resourceUsage":`
    this.#steps = historyPieces(resourceUsage[HISTORY_PARTS](), this.#pieces)
  }

  /** Formats for about `budgetMs` (one step at least); true once the whole file is formatted. */
  step(budgetMs: number = STEP_BUDGET_MS): boolean {
    const until = performance.now() + budgetMs
    do {
      if (this.#steps.next().done === true) return true
    } while (performance.now() < until)
    return false
  }

  /** The file's bytes, once `step()` said it is done: the pieces copied straight into one Buffer (no flatten, no UTF-8 pass). */
  bytes(): Buffer {
    let length = Buffer.byteLength(this.#head) + 1
    for (const piece of this.#pieces) length += piece.length
    const buf = Buffer.allocUnsafe(length)
    let offset = buf.write(this.#head, 0, 'utf8')
    for (const piece of this.#pieces) offset += buf.write(piece, offset, 'latin1')
    buf[offset] = 0x7d // }
    return buf
  }
}

/** The record's file, formatted at once (metadata writes: the caller waits for its write anyway). */
export function encodeMetadata(meta: AgentMetadata, journalLsn: number): Buffer {
  const encoding = new RecordEncoding(meta, journalLsn)
  while (!encoding.step(Number.POSITIVE_INFINITY));
  return encoding.bytes()
}
