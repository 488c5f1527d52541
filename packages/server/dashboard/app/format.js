/** Number formats for the table, the axes and the legends. */

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

export function bytes(n) {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–'
  let i = 0
  let v = Math.abs(n)
  while (v >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024
    i++
  }
  return `${n < 0 ? '-' : ''}${v >= 100 || i === 0 ? v.toFixed(0) : v.toFixed(1)} ${BYTE_UNITS[i]}`
}

export function percent(n) {
  return n === null || n === undefined || !Number.isFinite(n) ? '–' : `${n.toFixed(n >= 10 ? 0 : 1)} %`
}

export function celsius(n) {
  return n === null || n === undefined || !Number.isFinite(n) ? '–' : `${n.toFixed(1)} °C`
}

export function plain(n) {
  return n === null || n === undefined || !Number.isFinite(n) ? '–' : `${Number(n.toFixed(2))}`
}

/** 3d 4h, 2h 5m, 4m 10s, 12s. */
export function duration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–'
  const s = Math.floor(ms / 1000)
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  if (d > 0) return `${d}d ${h}h`
  if (h > 0) return `${h}h ${m}m`
  if (m > 0) return `${m}m ${s % 60}s`
  return `${s}s`
}

export function time(ms) {
  return new Date(ms).toLocaleString()
}
