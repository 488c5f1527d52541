/** What an Authorization header holds: a bearer token, another scheme, or nothing. */
export type Credentials =
  | { readonly kind: 'missing' }
  | { readonly kind: 'scheme' }
  | { readonly kind: 'bearer'; readonly token: string }

/** RFC 6750 §2.1: `Bearer` (any case), one or more spaces, a token68. */
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i

export function parseAuthorization(header: string | undefined): Credentials {
  if (header === undefined || header === '') return { kind: 'missing' }
  const match = BEARER.exec(header)
  return match === null ? { kind: 'scheme' } : { kind: 'bearer', token: match[1]! }
}
