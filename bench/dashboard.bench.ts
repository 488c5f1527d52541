// The dashboard's 7-day view of 100 agents in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core): a Warden node in this process with 7 days of synthetic history per
// agent (a point every 5 min, written through the store's public API) and a HostMonitor with
// history. The page creates and draws the agent charts in or near the viewport only (the others
// when scrolled near), so "rendered" is: every chart in the viewport (and within a viewport's
// height of it) has drawn and a frame has passed, i.e. the page shows the window and answers input
// (data-render-ms: from the start of the window's load until then). Measures:
//  - a window switch 1 h -> 7 d (click), median of RUNS;
//  - a fresh load of /#7d (navigation until rendered), median of RUNS, wall time;
//  - and, on the same fresh loads, the time until all agent charts have drawn too, scrolling
//    through them as fast as they draw (scrollThroughCharts), wall time from navigation;
// and how much of each was spent waiting for the API (3 requests).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Supervisor } from '@warden/core'
import { HostHistory, HostMonitor } from '@warden/host'
import { ResourceMonitor } from '@warden/monitor'
import { createServer } from '@warden/server'
import { FileMetadataStore } from '@warden/store'
import {
  hasChromium,
  launchChromium,
  renderSeq,
  scrollThroughCharts,
  seedWeek,
  sleepers,
  waitForRender,
} from '../packages/server/test/dashboard/browser.js'
import { type BenchRow, printTable } from './lib/table.js'

const AGENTS = Number(process.env.BENCH_DASHBOARD_AGENTS ?? 100)
const RUNS = Number(process.env.BENCH_DASHBOARD_RUNS ?? 7)
const TARGET_MS = 1000

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

if (!hasChromium) {
  console.log('\n### dashboard: skipped (needs /usr/bin/chromium: apt-get install chromium)\n')
  process.exit(0)
}

const dir = mkdtempSync(join(tmpdir(), 'warden-dashboard-bench-'))
const hostDir = mkdtempSync(join(tmpdir(), 'warden-dashboard-bench-host-'))
const store = new FileMetadataStore({ dir, fsync: false })
await store.open()
const supervisor = new Supervisor({ keepAlive: false })
const monitor = new ResourceMonitor({ registry: supervisor.registry, store, intervalMs: 60_000 })
const hostHistory = new HostHistory({ dir: hostDir, fsync: false })
await hostHistory.open()
const host = new HostMonitor({ intervalMs: 60_000, gpu: 'auto', systemd: false, history: hostHistory })
const t0 = performance.now()
await seedWeek(store, supervisor, sleepers(AGENTS))
const seedMs = performance.now() - t0
await host.collectOnce()
await host.collectOnce()
const app = createServer({ supervisor, monitor, host, store, auth: false })
const url = await app.listen({ port: 0 })
const browser = await launchChromium()
try {
  const { page, errors } = await browser.page()
  await page.goto(`${url}/#1h`)
  await waitForRender(page, '1h', 0, 60_000)

  const switches: number[] = []
  const waits: number[] = []
  // One untimed switch first (JIT, connections), then RUNS timed ones, back to 1 h between them.
  for (let i = 0; i <= RUNS; i++) {
    let seq = await renderSeq(page)
    await page.click('#windows button[data-window="7d"]')
    const ms = await waitForRender(page, '7d', seq, 60_000)
    const fetchMs = Number(await page.evaluate('document.documentElement.dataset.fetchMs'))
    if (i > 0) {
      switches.push(ms)
      waits.push(fetchMs)
    }
    seq = await renderSeq(page)
    await page.click('#windows button[data-window="1h"]')
    await waitForRender(page, '1h', seq, 60_000)
  }

  const loads: number[] = []
  const loadRenders: number[] = []
  const loadWaits: number[] = []
  const loadBuilds: number[] = []
  const loadCharts: number[] = []
  const allDrawn: number[] = []
  const scrollSteps: number[] = []
  for (let i = 0; i <= RUNS; i++) {
    const fresh = await browser.page()
    const start = performance.now()
    await fresh.page.goto(`${url}/#7d`)
    await waitForRender(fresh.page, '7d', 0, 60_000)
    const loaded = performance.now() - start
    const steps = await scrollThroughCharts(fresh.page)
    const all = performance.now() - start
    if (i > 0) {
      loads.push(loaded)
      allDrawn.push(all)
      scrollSteps.push(steps)
      const d = (await fresh.page.evaluate('({ ...document.documentElement.dataset })')) as Record<
        string,
        string
      >
      loadRenders.push(Number(d.renderMs))
      loadWaits.push(Number(d.fetchMs))
      loadBuilds.push(Number(d.buildMs))
      loadCharts.push(Number(d.charts))
    }
    errors.push(...fresh.errors)
    await fresh.page.close()
  }
  if (errors.length > 0) throw new Error(`the page logged errors: ${errors.join('; ')}`)

  const what = `${AGENTS} agents × 7 d, a point every 5 min, 30 min buckets`
  const rows: BenchRow[] = [
    {
      name: `window switch 1 h -> 7 d until the charts in view have drawn (${what}), median of ${RUNS}`,
      ours: median(switches),
      unit: 'ms',
      target: `< ${TARGET_MS} ms`,
      met: median(switches) < TARGET_MS,
    },
    {
      name: '  of which waiting for the API (host, agents and events: 3 requests)',
      ours: median(waits),
      unit: 'ms',
    },
    { name: '  slowest switch', ours: Math.max(...switches), unit: 'ms' },
    {
      name: `fresh load of /#7d until the charts in view have drawn and the page answers input (navigation, scripts, data), median of ${RUNS}`,
      ours: median(loads),
      unit: 'ms',
      target: `< ${TARGET_MS} ms`,
      met: median(loads) < TARGET_MS,
    },
    {
      name: '  charts drawn by then (host and agent charts in or near the viewport)',
      ours: median(loadCharts),
      unit: 'charts',
    },
    {
      name: '  of which the 7 d window: from its first request until those charts have drawn',
      ours: median(loadRenders),
      unit: 'ms',
    },
    { name: '  of which waiting for the API', ours: median(loadWaits), unit: 'ms' },
    { name: '  of which creating those charts and setting their data', ours: median(loadBuilds), unit: 'ms' },
    {
      name: `fresh load of /#7d until all ${AGENTS} agent charts have drawn too (scrolling through them as they draw), median of ${RUNS}`,
      ours: median(allDrawn),
      unit: 'ms',
    },
    { name: '  scroll steps', ours: median(scrollSteps), unit: 'steps' },
    { name: `(setup: seeding ${AGENTS} agents' 7 days through the store)`, ours: seedMs, unit: 'ms' },
  ]
  printTable(`dashboard in headless Chromium (${what})`, rows)
} finally {
  await browser.close()
  await app.close()
  await host.stop()
  await hostHistory.close()
  await supervisor.shutdown()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
  rmSync(hostDir, { recursive: true, force: true })
}
