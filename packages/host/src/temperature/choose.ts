import type { SensorCandidate } from './discover.js'

export interface SensorPreferences {
  /** Substring of the driver name to prefer, e.g. `coretemp`. */
  readonly chip?: string | undefined
  /** Substring of the label to prefer, e.g. `Package`. */
  readonly label?: string | undefined
  /** Lowest score auto-selection trusts (a preferred chip or label is trusted at any score). */
  readonly minScore: number
}

const includes = (value: string | null, part: string | undefined): boolean =>
  part !== undefined && value?.toLowerCase().includes(part.toLowerCase()) === true

/**
 * The most CPU-like candidate: one matching the preferred chip, then the preferred label, then
 * by score (ties: discovery order). undefined when none is preferred or scores ≥ `minScore`.
 */
export function chooseSensor(
  candidates: readonly SensorCandidate[],
  preferences: SensorPreferences,
): SensorCandidate | undefined {
  let best: SensorCandidate | undefined
  let bestRank: readonly number[] = []
  for (const candidate of candidates) {
    const chip = includes(candidate.chip, preferences.chip) ? 1 : 0
    const label = includes(candidate.label, preferences.label) ? 1 : 0
    if (chip + label === 0 && candidate.score < preferences.minScore) continue
    const rank = [chip, label, candidate.score]
    if (best === undefined || isHigher(rank, bestRank)) {
      best = candidate
      bestRank = rank
    }
  }
  return best
}

function isHigher(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i]! !== b[i]!) return a[i]! > b[i]!
  return false
}
