const NL = 0x0a

/**
 * Cuts a byte stream into complete lines (newline excluded) so that a line is never split across
 * chunks, files or events. A partial line is held until its newline arrives, or until it reaches
 * `maxLineBytes`, when it is passed on in pieces to bound memory.
 */
export class LineSplitter {
  readonly #maxLineBytes: number
  #pending: Buffer[] = []
  #pendingBytes = 0

  constructor(opts: { maxLineBytes: number }) {
    this.#maxLineBytes = opts.maxLineBytes
  }

  /** Feeds a chunk; calls `onLine` for every complete line, in order. */
  push(chunk: Buffer, onLine: (line: Buffer) => void): void {
    let start = 0
    for (;;) {
      const nl = chunk.indexOf(NL, start)
      if (nl === -1) break
      let line = chunk.subarray(start, nl)
      if (this.#pendingBytes > 0) {
        this.#pending.push(line)
        line = Buffer.concat(this.#pending, this.#pendingBytes + line.length)
        this.#pending = []
        this.#pendingBytes = 0
      }
      this.#emit(line, onLine)
      start = nl + 1
    }
    if (start < chunk.length) {
      // Copy: the stream may reuse the chunk's memory.
      const rest = Buffer.from(chunk.subarray(start))
      this.#pending.push(rest)
      this.#pendingBytes += rest.length
      if (this.#pendingBytes >= this.#maxLineBytes) {
        const all = Buffer.concat(this.#pending, this.#pendingBytes)
        this.#pending = []
        this.#pendingBytes = 0
        const whole = all.length - (all.length % this.#maxLineBytes)
        for (let i = 0; i < whole; i += this.#maxLineBytes) onLine(all.subarray(i, i + this.#maxLineBytes))
        if (whole < all.length) {
          this.#pending.push(all.subarray(whole))
          this.#pendingBytes = all.length - whole
        }
      }
    }
  }

  /** End of stream: the unterminated last line, if any, as a line of its own. */
  end(onLine: (line: Buffer) => void): void {
    if (this.#pendingBytes === 0) return
    const line = Buffer.concat(this.#pending, this.#pendingBytes)
    this.#pending = []
    this.#pendingBytes = 0
    onLine(line)
  }

  #emit(line: Buffer, onLine: (line: Buffer) => void): void {
    for (let i = 0; i < line.length; i += this.#maxLineBytes) {
      onLine(line.subarray(i, Math.min(line.length, i + this.#maxLineBytes)))
      if (line.length <= this.#maxLineBytes) return
    }
    if (line.length === 0) onLine(line)
  }
}
