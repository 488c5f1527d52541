import { type ScanQuery, type ScanResult, scanProcesses } from './scan.js'

/** How long a scan waits for company: the stops of a shutdown then share one pass over /proc. */
const BATCH_MS = 5

let pending: Array<{ query: ScanQuery; resolve: (result: ScanResult) => void }> = []

/**
 * Resolves with a scan made after this call, sharing one pass over /proc with every other query
 * made meanwhile: a full pass costs tens of ms under load, and a shutdown stops every agent at once.
 */
export function scanSoon(query: ScanQuery): Promise<ScanResult> {
  return new Promise((resolve) => {
    // The first query of a batch schedules the pass; the others join it.
    if (pending.push({ query, resolve }) > 1) return
    setTimeout(() => {
      const batch = pending
      pending = []
      const results = scanProcesses(batch.map((b) => b.query))
      for (const [i, b] of batch.entries()) b.resolve(results[i]!)
    }, BATCH_MS)
  })
}
