import { ParseError } from '../errors.js'

/** The /proc/meminfo fields, in bytes (the file says kB: KiB). */
export type Meminfo = ReadonlyMap<string, number>

/** Parses /proc/meminfo lines `MemTotal:       16318480 kB` into bytes by field name. */
export function parseMeminfo(text: string): Meminfo {
  const fields = new Map<string, number>()
  for (const line of text.split('\n')) {
    const m = /^([\w()]+):\s+(\d+)(?: kB)?$/.exec(line)
    if (m === null) continue
    fields.set(m[1]!, line.endsWith(' kB') ? Number(m[2]) * 1024 : Number(m[2]))
  }
  if (!fields.has('MemTotal')) throw new ParseError({ source: '/proc/meminfo', message: 'no MemTotal' })
  return fields
}
