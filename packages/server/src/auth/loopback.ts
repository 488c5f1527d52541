import { isIP } from 'node:net'

/** Whether `host` only reaches this machine: `localhost`, 127.0.0.0/8, ::1 (or v4-mapped 127.x). */
export function isLoopback(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  if (h === 'localhost') return true
  const v4 = h.toLowerCase().startsWith('::ffff:') ? h.slice(7) : h
  if (isIP(v4) === 4) return v4.startsWith('127.')
  return isIP(h) === 6 && /^(0{0,4}:){1,7}0{0,3}1$|^::1$/.test(h)
}
