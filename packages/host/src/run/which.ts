import { accessSync, constants, statSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'

/**
 * The absolute path of the executable `name` in the directories of `path` (a PATH string), or
 * undefined. An absolute or relative `name` with a slash is checked as is.
 */
export function which(name: string, path: string | undefined): string | undefined {
  const candidates = name.includes('/')
    ? [name]
    : (path ?? '')
        .split(':')
        .filter((dir) => isAbsolute(dir))
        .map((dir) => join(dir, name))
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK)
      if (statSync(file).isFile()) return file
    } catch {
      // Not here: try the next directory.
    }
  }
  return undefined
}
