/** How much of an agent's stderr is kept to explain its exit. */
export interface TailLimits {
  /** Lines kept; 0 disables the tail. */
  readonly lines: number
  /** Bytes kept (UTF-8), over all kept lines; a longer line is cut to this. */
  readonly maxBytes: number
}

/** The last lines of a stream, bounded by a number of lines and of bytes. */
export class LineTail {
  readonly #limits: TailLimits
  #lines: string[] = []
  #sizes: number[] = []
  #bytes = 0

  constructor(limits: TailLimits) {
    this.#limits = limits
  }

  push(line: Buffer | string): void {
    if (this.#limits.lines === 0) return
    let buf = typeof line === 'string' ? Buffer.from(line) : line
    if (buf.length > this.#limits.maxBytes) buf = buf.subarray(0, this.#limits.maxBytes)
    this.#lines.push(buf.toString('utf8'))
    this.#sizes.push(buf.length)
    this.#bytes += buf.length
    while (this.#lines.length > this.#limits.lines || this.#bytes > this.#limits.maxBytes) {
      this.#lines.shift()
      this.#bytes -= this.#sizes.shift()!
    }
  }

  /** Splits `text` into lines (an unterminated last line counts) and keeps them. */
  pushText(text: Buffer): void {
    let start = 0
    for (let nl = text.indexOf(0x0a); nl !== -1; nl = text.indexOf(0x0a, start)) {
      this.push(text.subarray(start, nl))
      start = nl + 1
    }
    if (start < text.length) this.push(text.subarray(start))
  }

  lines(): string[] {
    return [...this.#lines]
  }
}
