import { closeSync, fstatSync, openSync, readdirSync } from 'node:fs'
import { isDeniedError } from './reader.js'

/**
 * Counts the open fds of the process whose `/proc/<pid>/fd` directory `dirFd` is open. Linux ≥ 6.2
 * reports the count as the directory's size, so it is one fstat, no listing; older kernels report
 * 0 and we list the directory by `pid`. Throws ENOENT once the process is gone.
 */
export function countFdsOfDir(dirFd: number, pid: number): number {
  const size = fstatSync(dirFd).size
  return size > 0 ? size : readdirSync(`/proc/${pid}/fd`).length
}

/**
 * Opens `/proc/<pid>/fd` for {@link countFdsOfDir}; null when access is denied. Opening needs read
 * permission on the directory while a path stat() does not, so with this the count is null for
 * exactly the processes whose fds we may not list, on every kernel.
 */
export function openFdDir(pid: number): number | null {
  try {
    return openSync(`/proc/${pid}/fd`, 'r')
  } catch (error) {
    if (isDeniedError(error)) return null
    throw error
  }
}

/** Open fds of `pid`; null when access is denied. Throws ENOENT when there is no such pid. */
export function countFds(pid: number): number | null {
  const dirFd = openFdDir(pid)
  if (dirFd === null) return null
  try {
    return countFdsOfDir(dirFd, pid)
  } finally {
    closeSync(dirFd)
  }
}
