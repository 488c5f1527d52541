import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AgentSpec, Supervisor } from '@warden/core'
import type { FileMetadataStore, ResourceDataPoint } from '@warden/store'
import { type BrowserContext, chromium, type Page } from 'playwright-core'

// Page-side callbacks run in Chromium; this Node project's lib has no DOM types.
// biome-ignore lint/suspicious/noExplicitAny: the page's globals, not typed here
declare const document: any

/** Debian's chromium (`.ci/run` installs it); playwright-core never downloads a browser here. */
export const CHROMIUM = '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export interface Chromium {
  readonly context: BrowserContext
  /** A new page that records console errors and uncaught page errors in `errors`. */
  page(): Promise<{ page: Page; errors: string[] }>
  close(): Promise<void>
}

/** Debian's chromium, headless, with a fresh profile in a temp dir (removed by `close()`). */
export async function launchChromium(): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), 'warden-chromium-'))
  let context: BrowserContext
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 900 },
    })
  } catch (error) {
    rmSync(profile, { recursive: true, force: true })
    throw error
  }
  return {
    context,
    async page() {
      const page = await context.newPage()
      const errors: string[] = []
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`)
      })
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
      return { page, errors }
    },
    async close() {
      // Closing the persistent context ends the browser process and its children.
      await context.close().catch(() => {})
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

/** Waits until the page has drawn every chart of `window` (the dashboard sets `data-rendered`). */
export async function waitForRender(
  page: Page,
  window: string,
  after = 0,
  timeoutMs = 30_000,
): Promise<number> {
  const handle = await page.waitForFunction(
    ([w, seq]) => {
      const r = document.documentElement.dataset.rendered
      if (r === undefined) return false
      const [win, n] = r.split(':')
      return win === w && Number(n) > seq ? Number(document.documentElement.dataset.renderMs) : false
    },
    [window, after] as const,
    { timeout: timeoutMs, polling: 20 },
  )
  return (await handle.jsonValue()) as number
}

/**
 * Scrolls through the agent charts as fast as they draw: the first chart not yet drawn to the top
 * of the viewport, then a frame at a time until every chart in the viewport has drawn, and again,
 * until all have (agent charts are drawn first in or near the viewport, the rest in idle time or when scrolled near). Resolves with how many
 * scroll steps it took; fails after `timeoutMs`.
 */
export async function scrollThroughCharts(page: Page, timeoutMs = 60_000): Promise<number> {
  // A string, not a function: tsx (esbuild's keepNames) would wrap named helpers in a `__name`
  // the page does not have.
  return page.evaluate(`(async (timeout) => {
    const deadline = performance.now() + timeout
    const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()))
    const figures = () => [...document.querySelectorAll('figure.chart[data-agent]')]
    const inView = (f) => {
      const r = f.getBoundingClientRect()
      return r.bottom > 0 && r.top < innerHeight
    }
    let steps = 0
    for (;;) {
      const undrawn = figures().filter((f) => f.dataset.drawn !== 'true')
      if (undrawn.length === 0) return steps
      undrawn[0].scrollIntoView({ block: 'start' })
      steps++
      do {
        if (performance.now() > deadline) throw new Error(undrawn.length + ' agent charts not drawn')
        await frame()
      } while (figures().some((f) => inView(f) && f.dataset.drawn !== 'true'))
    }
  })(${Number(timeoutMs)})`) as Promise<number>
}

/** The render sequence number the page is at (0 before its first render). */
export async function renderSeq(page: Page): Promise<number> {
  return page.evaluate(() => Number(document.documentElement.dataset.rendered?.split(':')[1] ?? 0))
}

/** Agent specs that are added to the supervisor but never started (their history is synthetic). */
export function sleepers(count: number): AgentSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `agent-${String(i).padStart(3, '0')}`,
    command: process.execPath,
    args: ['-e', 'setInterval(() => {}, 1e9)'],
  }))
}

/** A synthetic point: CPU waves and a slowly growing RSS. */
function point(timestamp: number, i: number, n: number): ResourceDataPoint {
  return {
    timestamp,
    cpuPercent: 20 + 15 * Math.sin(i / 24 + n) + (i % 7),
    memoryRss: 50e6 + n * 1e6 + i * 4096,
    memoryVms: 300e6,
    diskReadBytes: i * 1000,
    diskWriteBytes: i * 2000,
    openFiles: 12,
    threads: 7,
  }
}

/** `minutes` of history for `id` up to a second ago, a point every 10 s, through the store's public API. */
export async function seedMinutes(store: FileMetadataStore, id: string, minutes: number): Promise<void> {
  const now = Date.now() - 1000
  await store.update(id, (meta) => {
    for (let i = minutes * 6; i >= 0; i--) meta.resourceUsage.add(point(now - i * 10_000, i, 0))
  })
}

/**
 * Seven days of history for each agent, one point every `stepMs`, written through the store's
 * public API (what the monitor would have appended).
 */
export async function seedWeek(
  store: FileMetadataStore,
  supervisor: Supervisor,
  specs: readonly AgentSpec[],
  stepMs = 5 * 60_000,
  now = Date.now(),
): Promise<void> {
  const start = now - 7 * 86_400_000
  for (const [n, spec] of specs.entries()) {
    supervisor.add(spec)
    await store.update(spec.id, (meta) => {
      for (let t = start, i = 0; t <= now; t += stepMs, i++) meta.resourceUsage.add(point(t, i, n))
    })
  }
}
