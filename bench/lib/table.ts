/** One benchmark row: our figure against a baseline measured in the same run. */
export interface BenchRow {
  readonly name: string
  readonly ours: number
  readonly baseline?: number
  readonly unit: string
  /** Human text of the target, e.g. '≤ 0.33' or '≤ 1 ms'. */
  readonly target?: string
  /** Whether the target is met; undefined when the row only reports. */
  readonly met?: boolean
}

const fmt = (n: number): string =>
  Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3)

/** Prints a Markdown table (pasteable into closing notes) with ours/baseline ratios. */
export function printTable(title: string, rows: readonly BenchRow[]): void {
  const lines = [
    `\n### ${title}\n`,
    '| benchmark | ours | baseline | ratio (ours/baseline) | target | met |',
    '|---|---:|---:|---:|---|---|',
  ]
  for (const r of rows) {
    const ratio = r.baseline === undefined || r.baseline === 0 ? '' : fmt(r.ours / r.baseline)
    const base = r.baseline === undefined ? '' : `${fmt(r.baseline)} ${r.unit}`
    const met = r.met === undefined ? '' : r.met ? 'yes' : '**no**'
    lines.push(`| ${r.name} | ${fmt(r.ours)} ${r.unit} | ${base} | ${ratio} | ${r.target ?? ''} | ${met} |`)
  }
  console.log(lines.join('\n'))
}

/** Median of `runs` timings (ms) of `fn`, after `warmup` untimed runs. */
export async function timeMedian(fn: () => unknown, runs = 15, warmup = 3): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn()
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await fn()
    times.push(performance.now() - t0)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
}
