import { ParseError } from '../errors.js'

/** One line of /proc/self/mountinfo. */
export interface MountEntry {
  /** `major:minor` of the filesystem: bind mounts of one filesystem share it. */
  readonly device: string
  /** The directory of the filesystem mounted here (`/` unless it is a bind mount of a subtree). */
  readonly root: string
  readonly mountPoint: string
  readonly fsType: string
  /** What was mounted: `/dev/vda1`, `server:/export`, or a name for pseudo filesystems. */
  readonly source: string
  /** Mounted read-only (the mount's or the superblock's `ro` option). */
  readonly readOnly: boolean
}

/** mountinfo escapes space, tab, newline and backslash as octal `\040`. */
function unescapeField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)))
}

/**
 * Parses /proc/self/mountinfo: `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`
 * (optional fields end at the lone `-`).
 */
export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = []
  for (const line of text.split('\n')) {
    if (line === '') continue
    const fields = line.split(' ')
    const dash = fields.indexOf('-', 6)
    if (dash < 0 || fields.length < dash + 4) {
      throw new ParseError({ source: '/proc/self/mountinfo', message: JSON.stringify(line) })
    }
    const options = fields[5]!.split(',')
    const superOptions = fields[dash + 3]!.split(',')
    entries.push({
      device: fields[2]!,
      root: unescapeField(fields[3]!),
      mountPoint: unescapeField(fields[4]!),
      fsType: fields[dash + 1]!,
      source: unescapeField(fields[dash + 2]!),
      readOnly: options.includes('ro') || superOptions.includes('ro'),
    })
  }
  return entries
}

/** The entry mounted at `path` or at its closest ancestor (the last one mounted wins, as in the kernel). */
export function mountOf(entries: readonly MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined
  for (const entry of entries) {
    const mp = entry.mountPoint
    const covers = path === mp || mp === '/' || path.startsWith(`${mp}/`)
    if (covers && (best === undefined || mp.length >= best.mountPoint.length)) best = entry
  }
  return best
}
