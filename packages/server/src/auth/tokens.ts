import { createHash, timingSafeEqual } from 'node:crypto'
import type { Access, TokenOptions } from '../options.js'

/** Who a request authenticated as: a token's name and access, never the token. */
export interface Principal {
  readonly name: string
  readonly access: Access
}

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest()

/**
 * The configured tokens, kept as SHA-256 digests. A presented token is hashed and compared with
 * every digest in constant time (no early exit, equal lengths), so neither the answer's timing nor
 * its length tells how much of a token was right, or which token was tried.
 */
export class TokenSet {
  readonly #entries: readonly { readonly digest: Buffer; readonly principal: Principal }[]

  constructor(tokens: readonly Required<TokenOptions>[]) {
    this.#entries = tokens.map((t) => ({
      digest: digest(t.token),
      principal: { name: t.name, access: t.access },
    }))
  }

  get size(): number {
    return this.#entries.length
  }

  verify(token: string): Principal | undefined {
    const presented = digest(token)
    let found: Principal | undefined
    for (const entry of this.#entries) {
      if (timingSafeEqual(presented, entry.digest)) found = entry.principal
    }
    return found
  }
}
