import { MAX_TIMER_MS } from '@warden/utils'

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}
const SIZE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
}

/** `30s`, `1.5h`, `500ms`, `250` (ms): digits (and a fraction), an optional unit. */
export const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?\\s*(ms|s|m|h|d)$'
/** `512MiB`, `1.5 GB`, `4096` (bytes). */
export const SIZE_PATTERN = '^[0-9]+(\\.[0-9]+)?\\s*([kKmMgGtT]i?[bB]|[bB])$'

/** The ms of a config duration (an integer is ms), or a message saying what is wrong. */
export function parseDuration(value: number | string, { min = 0 }: { min?: number } = {}): number | string {
  let ms: number
  if (typeof value === 'number') ms = value
  else {
    const m = /^([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d)$/.exec(value)
    if (m === null) return `expected a duration such as 500ms, 30s, 5m, 2h, 7d, got ${JSON.stringify(value)}`
    ms = Math.round(Number(m[1]) * DURATION_UNITS[m[2]!]!)
  }
  if (!Number.isInteger(ms) || ms < min || ms > MAX_TIMER_MS) {
    return `expected a duration from ${min} ms to ${MAX_TIMER_MS} ms (about 24.8 days, what a Node timer holds), got ${JSON.stringify(value)}`
  }
  return ms
}

/** The bytes of a config size (an integer is bytes), or a message saying what is wrong. */
export function parseSize(value: number | string): number | string {
  let bytes: number
  if (typeof value === 'number') bytes = value
  else {
    const m = /^([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]+)$/.exec(value)
    const unit = m?.[2]?.toLowerCase()
    if (m === null || unit === undefined || SIZE_UNITS[unit] === undefined) {
      return `expected a size such as 4096, 512MiB, 1.5GB, got ${JSON.stringify(value)}`
    }
    bytes = Math.round(Number(m[1]) * SIZE_UNITS[unit])
  }
  if (!Number.isSafeInteger(bytes) || bytes < 0)
    return `expected a size of at least 0 bytes, got ${JSON.stringify(value)}`
  return bytes
}

/** The closest of `known` to a mistyped key, if one is close enough to be a likely typo. */
export function suggest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase()
  let best: string | undefined
  let bestScore = Number.POSITIVE_INFINITY
  for (const k of known) {
    const kl = k.toLowerCase()
    let score = distance(lower, kl)
    if (kl.startsWith(lower) || lower.startsWith(kl)) score = Math.min(score, 1.5)
    if (score < bestScore) {
      bestScore = score
      best = k
    }
  }
  return bestScore <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = row
  }
  return prev[b.length]!
}
