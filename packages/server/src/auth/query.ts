/** Query parameters that carry a credential in other APIs: refused here, never looked at. */
const TOKEN_PARAMETERS = new Set([
  'token',
  'access_token',
  'bearer',
  'auth',
  'authorization',
  'api_key',
  'apikey',
])

/** The first token-like parameter of `url`'s query string, or undefined. */
export function tokenParameter(url: string): string | undefined {
  const q = url.indexOf('?')
  if (q === -1) return undefined
  for (const key of new URLSearchParams(url.slice(q + 1)).keys()) {
    if (TOKEN_PARAMETERS.has(key.toLowerCase())) return key
  }
  return undefined
}

/** `url` without its query string: what logs and error messages may show. */
export function pathOf(url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}
