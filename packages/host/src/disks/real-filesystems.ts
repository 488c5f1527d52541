import type { MountEntry } from '../procfs/mountinfo.js'

/**
 * Filesystems that hold no disk data: kernel interfaces, memory-backed filesystems, cgroup
 * hierarchies, read-only images that are always full (snap's squashfs), and FUSE views of /proc
 * (lxcfs) or of the desktop session (gvfs, portal).
 */
const PSEUDO = new Set([
  'autofs',
  'binfmt_misc',
  'bpf',
  'cgroup',
  'cgroup2',
  'configfs',
  'cpuset',
  'debugfs',
  'devpts',
  'devtmpfs',
  'efivarfs',
  'fuse.gvfsd-fuse',
  'fuse.lxcfs',
  'fuse.portal',
  'fusectl',
  'hugetlbfs',
  'mqueue',
  'nsfs',
  'proc',
  'pstore',
  'ramfs',
  'rpc_pipefs',
  'securityfs',
  'selinuxfs',
  'smackfs',
  'squashfs',
  'sysfs',
  'tmpfs',
  'tracefs',
])

function isPseudoFilesystem(fsType: string): boolean {
  return PSEUDO.has(fsType)
}

/**
 * The mounts worth a statfs: real filesystems only, each filesystem once (bind mounts and btrfs
 * subvolumes share a `major:minor`): its mount of the filesystem's root if there is one, else its first.
 */
export function realMounts(entries: readonly MountEntry[]): MountEntry[] {
  const chosen = new Map<string, MountEntry>()
  for (const entry of entries) {
    if (isPseudoFilesystem(entry.fsType)) continue
    const seen = chosen.get(entry.device)
    if (seen === undefined || (seen.root !== '/' && entry.root === '/')) chosen.set(entry.device, entry)
  }
  return [...chosen.values()]
}
