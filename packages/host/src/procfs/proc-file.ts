import { closeSync, openSync, readSync } from 'node:fs'

/**
 * One /proc (or sysfs) file kept open and re-read with a positioned read from offset 0, which
 * makes the kernel regenerate it: saves open + close per tick. The buffer grows until a read fits.
 */
export class ProcFile {
  readonly path: string
  #fd: number | undefined
  #buffer: Buffer

  constructor(path: string, initialBytes = 4096) {
    this.path = path
    this.#buffer = Buffer.allocUnsafe(initialBytes)
  }

  /**
   * The file as latin1 text: all of it, or, with `enough`, a prefix that contains `enough`
   * (/proc/stat's cpu lines come before an `intr` line that can be 100 KB on a big host).
   * Throws the fs error (ENOENT, EACCES) of the open or read.
   */
  read(enough?: string): string {
    this.#fd ??= openSync(this.path, 'r')
    for (;;) {
      const length = readSync(this.#fd, this.#buffer, 0, this.#buffer.length, 0)
      if (length < this.#buffer.length) return this.#buffer.toString('latin1', 0, length)
      if (enough !== undefined && this.#buffer.indexOf(enough) >= 0)
        return this.#buffer.toString('latin1', 0, length)
      this.#buffer = Buffer.allocUnsafe(this.#buffer.length * 2)
    }
  }

  close(): void {
    if (this.#fd === undefined) return
    try {
      closeSync(this.#fd)
    } finally {
      this.#fd = undefined
    }
  }
}
