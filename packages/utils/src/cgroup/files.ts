import { closeSync, openSync, readSync } from 'node:fs'

// One reused buffer: reads are synchronous and parsed before the next one. io.stat has a line per
// device, so it may be the largest of the files read here.
let buf = Buffer.allocUnsafe(16 * 1024)

/**
 * The text of a cgroup interface file (open + read + close, no fstat: kernfs reports size 4096),
 * undefined when it does not exist (controller not enabled) or cannot be read.
 */
export function readCgroupFile(dir: string, name: string): string | undefined {
  let fd: number
  try {
    fd = openSync(`${dir}/${name}`, 'r')
  } catch {
    return undefined
  }
  try {
    let length = 0
    for (;;) {
      const n = readSync(fd, buf, length, buf.length - length, length)
      if (n === 0) break
      length += n
      if (length === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2)
        buf.copy(bigger, 0, 0, length)
        buf = bigger
      }
    }
    return buf.toString('latin1', 0, length)
  } catch {
    return undefined
  } finally {
    closeSync(fd)
  }
}

/** Value of `key` in a flat-keyed file (`key value` per line: cpu.stat, memory.events, cgroup.events). */
export function keyedValue(text: string, key: string): number | undefined {
  let at = 0
  while (at < text.length) {
    const end = text.indexOf('\n', at)
    const line = end < 0 ? text.slice(at) : text.slice(at, end)
    if (line.length > key.length && line.startsWith(key) && line.charCodeAt(key.length) === 0x20) {
      const value = Number(line.slice(key.length + 1))
      return Number.isFinite(value) ? value : undefined
    }
    if (end < 0) break
    at = end + 1
  }
  return undefined
}

/** Pids listed in `<dir>/cgroup.procs` (empty when the cgroup is gone or empty). */
export function cgroupProcs(dir: string): number[] {
  const text = readCgroupFile(dir, 'cgroup.procs')
  if (text === undefined) return []
  const out: number[] = []
  let value = -1
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0x30 && c <= 0x39) value = (value < 0 ? 0 : value * 10) + (c - 0x30)
    else if (value >= 0) {
      out.push(value)
      value = -1
    }
  }
  if (value >= 0) out.push(value)
  return out
}

/** `populated` of cgroup.events: whether a process lives in the cgroup or below; undefined when gone. */
export function cgroupPopulated(dir: string): boolean | undefined {
  const text = readCgroupFile(dir, 'cgroup.events')
  if (text === undefined) return undefined
  return keyedValue(text, 'populated') === 1
}

/** The controllers available in the cgroup (`cgroup.controllers`); empty when unreadable. */
export function cgroupControllers(dir: string): Set<string> {
  const text = readCgroupFile(dir, 'cgroup.controllers')
  return new Set(text === undefined ? [] : text.split(/\s+/).filter((c) => c !== ''))
}

/** `usage_usec` of cpu.stat: cpu time of every task that ran in the cgroup, exited ones included. */
export function cgroupCpuUsageUsec(dir: string): number | undefined {
  const text = readCgroupFile(dir, 'cpu.stat')
  return text === undefined ? undefined : keyedValue(text, 'usage_usec')
}

/** The `some ... total=<µs>` of a PSI file (`cpu.pressure`, `memory.pressure`, `io.pressure`). */
export function cgroupPressureTotalUsec(dir: string, resource: 'cpu' | 'memory' | 'io'): number | undefined {
  const text = readCgroupFile(dir, `${resource}.pressure`)
  if (text === undefined || !text.startsWith('some ')) return undefined
  const at = text.indexOf('total=')
  if (at < 0) return undefined
  const end = text.indexOf('\n', at)
  const value = Number(text.slice(at + 6, end < 0 ? undefined : end))
  return Number.isFinite(value) ? value : undefined
}

/** A single-number file (`memory.current`, `memory.peak`); undefined when absent (no memory controller). */
export function cgroupNumber(dir: string, name: string): number | undefined {
  const text = readCgroupFile(dir, name)
  if (text === undefined) return undefined
  const value = Number(text.trim())
  return Number.isFinite(value) ? value : undefined
}

/** `oom_kill` of memory.events: processes the OOM killer killed in the cgroup; undefined without memory controller. */
export function cgroupOomKills(dir: string): number | undefined {
  const text = readCgroupFile(dir, 'memory.events')
  return text === undefined ? undefined : (keyedValue(text, 'oom_kill') ?? 0)
}

/** Sum of `rbytes`/`wbytes` over the devices of io.stat; undefined without the io controller. */
export function cgroupIoBytes(dir: string): { readBytes: number; writeBytes: number } | undefined {
  const text = readCgroupFile(dir, 'io.stat')
  if (text === undefined) return undefined
  let readBytes = 0
  let writeBytes = 0
  for (const m of text.matchAll(/\b([rw])bytes=(\d+)/g)) {
    if (m[1] === 'r') readBytes += Number(m[2])
    else writeBytes += Number(m[2])
  }
  return { readBytes, writeBytes }
}
