/**
 * Whether the scraper prefers OpenMetrics: an `application/openmetrics-text` range in Accept with
 * a higher q than text/plain (Prometheus asks for it first; curl's `*\/*` gets the text format).
 */
export function prefersOpenMetrics(accept: string | undefined): boolean {
  if (accept === undefined) return false
  let open = 0
  let text = 0
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.trim().split(';')
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    const q = qParam === undefined ? 1 : Number(qParam.slice(2))
    if (!Number.isFinite(q)) continue
    const t = type.trim().toLowerCase()
    if (t === 'application/openmetrics-text') open = Math.max(open, q)
    else if (t === 'text/plain' || t === 'text/*' || t === '*/*') text = Math.max(text, q)
  }
  return open > 0 && open >= text
}
