import { execFileSync } from 'node:child_process'
import {
  closeSync,
  ftruncateSync,
  mkdtempSync,
  openSync,
  rmdirSync,
  statfsSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Mounting a tmpfs needs root; CI runs as root. */
export const isRoot = process.getuid?.() === 0

/** Mounts a tmpfs of `bytes` on a fresh directory, runs `fn` on it, and always unmounts it. */
export async function withTmpfs<T>(bytes: number, fn: (mnt: string) => Promise<T>): Promise<T> {
  const mnt = mkdtempSync(join(tmpdir(), 'warden-store-tmpfs-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0700`, 'tmpfs', mnt])
    try {
      return await fn(mnt)
    } finally {
      try {
        execFileSync('umount', [mnt], { stdio: 'ignore' })
      } catch {
        // A handle a failed test left open keeps it busy: detach it anyway.
        execFileSync('umount', ['--lazy', mnt])
      }
    }
  } finally {
    rmdirSync(mnt)
  }
}

/** Fills the filesystem of `dir` until exactly `freePages` pages are left; `remove()` gives the space back. */
export function fillFilesystem(dir: string, freePages: number): { remove: () => void } {
  const path = join(dir, 'filler')
  const fd = openSync(path, 'w')
  const chunk = Buffer.alloc(1 << 16, 0x78)
  let size = 0
  try {
    for (;;) size += writeSync(fd, chunk)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
  } finally {
    closeSync(fd)
  }
  const { bsize } = statfsSync(dir)
  const keep = size - freePages * bsize
  if (keep < 0) throw new Error(`cannot leave ${freePages} pages free: only ${size} bytes were filled`)
  const trimmed = openSync(path, 'r+')
  ftruncateSync(trimmed, keep)
  closeSync(trimmed)
  const { bavail } = statfsSync(dir)
  if (bavail !== freePages) throw new Error(`expected ${freePages} free pages, statfs says ${bavail}`)
  return { remove: () => unlinkSync(path) }
}
