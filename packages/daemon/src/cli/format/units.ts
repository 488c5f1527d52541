const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** An uptime or age in its two largest units: `45s`, `12m`, `5h12m`, `3d4h`. */
export function formatDuration(ms: number): string {
  if (ms < MINUTE) return `${Math.floor(Math.max(ms, 0) / SECOND)}s`
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)}m`
  if (ms < DAY) return `${Math.floor(ms / HOUR)}h${Math.floor((ms % HOUR) / MINUTE)}m`
  return `${Math.floor(ms / DAY)}d${Math.floor((ms % DAY) / HOUR)}h`
}

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'] as const

/** Bytes in binary units: `512 B`, `12.3 KiB`, `45.2 MiB`, `1.50 GiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`
  let value = bytes
  let unit = 'B'
  for (const next of UNITS) {
    if (value < 1024) break
    value /= 1024
    unit = next
  }
  return `${value.toFixed(unit === 'GiB' || unit === 'TiB' ? 2 : 1)} ${unit}`
}

/** A CPU share of one core: `0.3%`, `112.0%`. */
export function formatPercent(percent: number): string {
  return `${percent.toFixed(1)}%`
}

/** A time in the local zone, to the second: `2025-01-31 14:05:09`. */
export function formatTime(epochMs: number): string {
  const d = new Date(epochMs)
  const two = (n: number): string => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
}

/** `value`, or `-` when there is none. */
export function orDash<T>(value: T | null | undefined, format: (v: T) => string): string {
  return value === null || value === undefined ? '-' : format(value)
}
