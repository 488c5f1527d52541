import { readFileSync } from 'node:fs'

/**
 * Unescapes a path field of /proc/self/mountinfo (the kernel writes space, tab, newline and
 * backslash as `\040`, `\011`, `\012`, `\134`).
 */
function unescapeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)))
}

/**
 * The mount point of the cgroup v2 (unified) hierarchy in `mountinfo` (the text of
 * /proc/self/mountinfo), or undefined when none is mounted. The filesystem type is after the ` - `
 * separator; a hybrid host mounts it beside the v1 hierarchies (e.g. /sys/fs/cgroup/unified).
 * Only a mount of the hierarchy's root is taken (a bind mount of a sub-cgroup is not the hierarchy).
 */
export function parseCgroup2Mount(mountinfo: string): string | undefined {
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ')
    if (sep < 0) continue
    const fields = line.slice(0, sep).split(' ')
    const fsType = line.slice(sep + 3).split(' ')[0]
    if (fsType !== 'cgroup2' || fields[3] !== '/' || fields[4] === undefined) continue
    return unescapeMountPath(fields[4])
  }
  return undefined
}

/** The cgroup v2 mount point of this process's mount namespace, or undefined (no v2, or off Linux). */
export function cgroup2Mount(): string | undefined {
  try {
    return parseCgroup2Mount(readFileSync('/proc/self/mountinfo', 'utf8'))
  } catch {
    return undefined
  }
}

/**
 * The cgroup v2 path (relative to the v2 mount, starting with `/`) in `text` (the contents of
 * /proc/<pid>/cgroup): its `0::` line. undefined when there is none (a v1-only host).
 */
export function parseOwnCgroup(text: string): string | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('0::')) {
      // A process of a removed cgroup shows " (deleted)": it has no usable path.
      const path = line.slice(3)
      return path.startsWith('/') && !path.endsWith(' (deleted)') ? path : undefined
    }
  }
  return undefined
}

/** The cgroup v2 path of `pid` (default: this process), relative to the v2 mount; undefined if unknown. */
export function cgroupOf(pid: number | 'self' = 'self'): string | undefined {
  try {
    return parseOwnCgroup(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))
  } catch {
    return undefined
  }
}
