import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** One static file of the dashboard, read once when the server is created. */
export interface Asset {
  readonly body: Buffer
  readonly type: string
  /** A strong validator, so a browser revalidates instead of downloading again. */
  readonly etag: string
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
}

function asset(path: string, transform?: (text: string) => string): Asset {
  const raw = readFileSync(path)
  const body = transform === undefined ? raw : Buffer.from(transform(raw.toString('utf8')))
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`
  return { body, type: TYPES[extname(path)] ?? 'application/octet-stream', etag }
}

/** `dashboard/app/` of this package: two levels above this file in `src/` and in `dist/` alike. */
const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dashboard', 'app')

/** uPlot's dist folder, wherever the package manager put it (a workspace link or a packed install). */
function uplotDist(): string {
  return join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist')
}

/**
 * The dashboard's files by URL path: `/` (index.html), `/app/<file>` for the rest of
 * `dashboard/app/`, and uPlot's minified script and stylesheet under `/vendor/`. The page is told
 * whether tokens are configured (`data-auth`), so it prompts for one before any request instead of
 * learning it from a 401.
 */
export function loadAssets({ auth }: { auth: boolean }): Map<string, Asset> {
  const assets = new Map<string, Asset>()
  for (const name of readdirSync(APP_DIR).sort()) {
    if (TYPES[extname(name)] === undefined) continue
    if (name === 'index.html') {
      const mode = auth ? 'required' : 'none'
      assets.set(
        '/',
        asset(join(APP_DIR, name), (html) => html.replace('__WARDEN_AUTH__', mode)),
      )
    } else assets.set(`/app/${name}`, asset(join(APP_DIR, name)))
  }
  const dist = uplotDist()
  assets.set('/vendor/uplot.min.js', asset(join(dist, 'uPlot.iife.min.js')))
  assets.set('/vendor/uplot.min.css', asset(join(dist, 'uPlot.min.css')))
  return assets
}
