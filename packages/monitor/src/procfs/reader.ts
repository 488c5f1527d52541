import { closeSync, openSync, readSync } from 'node:fs'
import { errnoCode } from '@warden/utils'

/**
 * The one buffer every /proc read goes into: reads are synchronous and parsed before the next
 * read, so no sample allocates a buffer. status is ~1.5 KiB, stat and io well under 1 KiB.
 */
export const procBuffer: Buffer = Buffer.allocUnsafe(16 * 1024)

/** Re-reads an open /proc file from offset 0 into {@link procBuffer}; returns the byte count. */
export function readFd(fd: number): number {
  return readSync(fd, procBuffer, 0, procBuffer.length, 0)
}

/** Opens, reads into {@link procBuffer} and closes; returns the byte count. */
export function readPath(path: string): number {
  const fd = openSync(path, 'r')
  try {
    return readFd(fd)
  } finally {
    closeSync(fd)
  }
}

/** ENOENT (no such pid) or ESRCH (an open /proc fd of a process that has died): the process is gone. */
export function isGoneError(error: unknown): boolean {
  const code = errnoCode(error)
  return code === 'ENOENT' || code === 'ESRCH'
}

/** EACCES/EPERM: the file exists but we may not read it (another user's process). */
export function isDeniedError(error: unknown): boolean {
  const code = errnoCode(error)
  return code === 'EACCES' || code === 'EPERM'
}

/**
 * Parses the decimal number after `key` in `buf[0, len)`, searching from `from`. Returns the
 * number and the index after it, or undefined when `key` is absent. Parses bytes, so a status
 * file is never turned into a string.
 */
export function numberAfter(
  buf: Buffer,
  len: number,
  key: Buffer,
  from: number,
): { readonly value: number; readonly end: number } | undefined {
  const at = buf.indexOf(key, from)
  // A hit at or past `len` is stale data of an earlier, longer read.
  if (at < 0 || at + key.length > len) return undefined
  let start = at + key.length
  while (start < len && (buf[start] === 0x20 || buf[start] === 0x09)) start++
  const end = digitsEnd(buf, start, len)
  return end === start ? undefined : { value: digitsValue(buf, start, end), end }
}

/** The index after the ASCII digits that start at `i` in `buf[0, len)`; `i` when there are none. */
export function digitsEnd(buf: Buffer, i: number, len: number): number {
  while (i < len && buf[i]! >= 0x30 && buf[i]! <= 0x39) i++
  return i
}

/** The value of the decimal digits in `buf[start, end)` (an end from {@link digitsEnd}). */
export function digitsValue(buf: Buffer, start: number, end: number): number {
  let value = 0
  for (let i = start; i < end; i++) value = value * 10 + buf[i]! - 0x30
  return value
}
