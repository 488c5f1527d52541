import { type FileHandle, open, rename, unlink } from 'node:fs/promises'

/** How a RotatingFile opens and rotates its file: with the writer's own rights, or as an owner. */
export interface FileAccess {
  /** Opens `path` for appending, creating it when missing. */
  open(path: string): Promise<FileHandle>
  /** Moves `path` to `<path>.1` (shifting older backups up to `<path>.<backups>`); 0 removes it. */
  rotate(path: string, backups: number): Promise<void>
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
}

/** The writer's own rights: what it may do, it does. */
export const plainAccess: FileAccess = {
  open: (path) => open(path, 'a'),
  async rotate(path, backups) {
    if (backups === 0) {
      await unlink(path).catch(ignoreMissing)
      return
    }
    for (let i = backups - 1; i >= 1; i--)
      await rename(`${path}.${i}`, `${path}.${i + 1}`).catch(ignoreMissing)
    await rename(path, `${path}.1`)
  },
}
