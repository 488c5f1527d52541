import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { CONTROL_TOKEN, closeWardensAfterEach, idle, READ_TOKEN, startWarden, until } from '../helpers.js'
import {
  type Chromium,
  hasChromium,
  launchChromium,
  renderSeq,
  scrollThroughCharts,
  seedMinutes,
  seedWeek,
  sleepers,
  waitForRender,
} from './browser.js'

// Page-side callbacks run in Chromium; this Node project's lib has no DOM types.
// biome-ignore lint/suspicious/noExplicitAny: the page's globals, not typed here
declare const document: any

/** Screenshots go here (gitignored): the repository's `test-artifacts/`, found from this file. */
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'test-artifacts')
const HOST = { intervalMs: 60_000, gpu: 'auto', systemd: false, disks: { mountPoints: ['/'] } } as const

// Browsers close before the servers (afterEach hooks run in reverse order of registration).
closeWardensAfterEach()
const browsers: Chromium[] = []
afterEach(async () => {
  for (const b of browsers.splice(0)) await b.close()
})

async function browser(): Promise<Chromium> {
  const b = await launchChromium()
  browsers.push(b)
  return b
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.locator('#login').waitFor({ state: 'visible' })
  await page.fill('#token', token)
  await page.click('#login button[type=submit]')
}

/**
 * Per drawn chart, how many canvas pixels have the first series' colour (#2f6fdd): the line or
 * points themselves, not the axes or the grid.
 */
function seriesPixels(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const out: Record<string, number> = {}
    for (const figure of document.querySelectorAll('figure.chart[data-available="true"]')) {
      const canvas = figure.querySelector('canvas')
      if (canvas === null) continue
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height)
      let n = 0
      for (let i = 0; i < data.length; i += 4) {
        const near = Math.abs(data[i]! - 0x2f) + Math.abs(data[i + 1]! - 0x6f) + Math.abs(data[i + 2]! - 0xdd)
        if (data[i + 3]! > 128 && near < 60) n++
      }
      out[figure.dataset.chart!] = n
    }
    return out
  })
}

describe.skipIf(!hasChromium)('the dashboard in headless Chromium (needs /usr/bin/chromium)', () => {
  it('loads behind the token prompt with no console errors, and draws host and agent charts', async () => {
    const w = await startWarden({
      agents: [idle('alpha'), idle('beta')],
      host: HOST,
      hostHistory: {},
      startMonitor: false,
    })
    // Ten minutes of alpha's history as the monitor would have written it, then real ticks.
    await seedMinutes(w.store, 'alpha', 10)
    await w.monitor.collectOnce()
    await w.monitor.collectOnce()
    await w.host!.collectOnce()
    const { page, errors } = await (await browser()).page()
    await page.goto(`${w.url}/#15m`)
    await signIn(page, READ_TOKEN)
    await waitForRender(page, '15m')

    expect(await page.locator('#agents tbody tr').count()).toBe(2)
    await expect.poll(() => page.textContent('#live')).toBe('live')
    const pixels = await seriesPixels(page)
    expect(Object.keys(pixels)).toEqual(
      expect.arrayContaining(['host-cpu', 'host-memory', 'agent-alpha', 'agent-beta']),
    )
    // A line over ten minutes, and the few points of real ticks (host, beta).
    expect(pixels['agent-alpha']).toBeGreaterThan(300)
    for (const chart of ['host-cpu', 'host-memory', 'agent-beta']) {
      const points = await page.getAttribute(`figure[data-chart="${chart}"]`, 'data-points')
      expect(Number(points), chart).toBeGreaterThan(0)
      expect(pixels[chart], `${chart} with ${points} readings`).toBeGreaterThan(3)
    }
    expect(await page.locator('#agents tr[data-agent="alpha"] svg.spark polyline').count()).toBe(1)
    // Collectors this host lacks say so instead of failing (no NVIDIA GPU on these machines).
    for (const figure of await page.locator('figure.chart[data-available="false"]').all())
      expect(await figure.locator('.note').textContent()).toMatch(/^not available on this host/)
    expect(await page.locator('#error').isHidden()).toBe(true)
    expect(await page.evaluate('sessionStorage.getItem("warden.token")')).toBe(READ_TOKEN)
    expect(await page.evaluate('localStorage.length')).toBe(0)

    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true })
    expect(errors).toEqual([])
  })

  it('shows a restart from the button in the table and as a marker on the agent’s chart', async () => {
    const w = await startWarden({ agents: [idle('alpha')] })
    const { page, errors } = await (await browser()).page()
    await page.goto(`${w.url}/#15m`)
    await signIn(page, CONTROL_TOKEN)
    await waitForRender(page, '15m')
    const row = page.locator('#agents tr[data-agent="alpha"]')
    expect(await row.locator('td.restarts').textContent()).toBe('0')
    const pid = w.supervisor.get('alpha')!.pid
    expect(await row.locator('td.pid').textContent()).toBe(String(pid))

    await row.locator('button[data-action="restart"]').click()
    await expect.poll(() => row.locator('td.restarts').textContent(), { timeout: 10_000 }).toBe('1')
    await until(() => w.supervisor.get('alpha')!.pid !== pid, 10_000, 'a new pid')
    await expect
      .poll(() => row.locator('td.pid').textContent(), { timeout: 10_000 })
      .toBe(String(w.supervisor.get('alpha')!.pid))
    const chart = page.locator('figure[data-chart="agent-alpha"]')
    await expect.poll(() => chart.getAttribute('data-markers'), { timeout: 10_000 }).toMatch(/\brestart\b/)
    expect(await chart.getAttribute('data-markers')).toMatch(/\bexit\b/)
    expect(await chart.locator('.markers [data-kind="restart"]').textContent()).toBe('restart ×1')

    // After a reload the marker comes from the kept events (/v1/events/recent), not the live stream.
    await page.reload()
    await waitForRender(page, '15m')
    expect(await chart.getAttribute('data-markers')).toBe('exit restart')
    expect(errors).toEqual([])
  })

  it('shows an alert as markers, and a read-only token’s control attempt as a clear 403 message', async () => {
    const w = await startWarden({ agents: [idle('alpha')] })
    const { page } = await (await browser()).page()
    await page.goto(`${w.url}/#15m`)
    await signIn(page, READ_TOKEN)
    await waitForRender(page, '15m')
    w.monitor.setThreshold('alpha', { memoryBytes: 1, durationMs: 0 })
    await w.monitor.collectOnce()
    const chart = page.locator('figure[data-chart="agent-alpha"]')
    await expect.poll(() => chart.getAttribute('data-markers')).toMatch(/warning.*error/)
    const row = page.locator('#agents tr[data-agent="alpha"]')
    await expect.poll(() => row.locator('td.alerts').textContent()).toMatch(/memoryBytes error/)

    await row.locator('button[data-action="stop"]').click()
    await expect.poll(() => page.textContent('#error')).toMatch(/read-only \(403\)/)
    expect(w.supervisor.get('alpha')!.status).toBe('running')
  })

  it('shows a clear error for a wrong token and asks again', async () => {
    const w = await startWarden({ startMonitor: false })
    const { page } = await (await browser()).page()
    await page.goto(`${w.url}/`)
    await signIn(page, 'wrong-token-0123456789abcdef')
    await expect.poll(() => page.textContent('#error')).toMatch(/token was refused \(401/)
    expect(await page.locator('#error').isVisible()).toBe(true)
    expect(await page.locator('#login').isVisible()).toBe(true)
    expect(await page.locator('#main').isHidden()).toBe(true)
    expect(await page.evaluate('sessionStorage.getItem("warden.token")')).toBeNull()
  })

  it('asks for no token when auth is off (loopback)', async () => {
    const w = await startWarden({ agents: [idle('alpha')], auth: false })
    const { page, errors } = await (await browser()).page()
    await page.goto(`${w.url}/`)
    await waitForRender(page, '1h')
    expect(await page.locator('#login').isHidden()).toBe(true)
    expect(await page.locator('#forget').isHidden()).toBe(true)
    expect(await page.locator('#agents tbody tr').count()).toBe(1)
    expect(errors).toEqual([])
  })

  it('renders a 7-day window of 100 agents with synthetic history (timing: pnpm bench dashboard)', async () => {
    const w = await startWarden({ startMonitor: false, host: HOST, hostHistory: {} })
    const specs = sleepers(100)
    await seedWeek(w.store, w.supervisor, specs)
    const { page, errors } = await (await browser()).page()
    await page.goto(`${w.url}/`)
    await signIn(page, READ_TOKEN)
    await waitForRender(page, '1h')
    const seq = await renderSeq(page)
    await page.click('#windows button[data-window="7d"]')
    await waitForRender(page, '7d', seq, 60_000)

    expect(await page.locator('#agents tbody tr').count()).toBe(100)
    // The window counted as shown once the host charts and the agent charts in or near the
    // viewport had drawn: the 100-row table fills it, so most agent charts were left for later
    // (idle time, or when scrolled near) and hold back their 7 days until then.
    expect(Number(await page.getAttribute('html', 'data-charts'))).toBeLessThan(100)
    expect(await page.locator('figure.chart[data-agent]').count()).toBe(100)
    // Scrolled through, each has drawn its 7 days.
    await scrollThroughCharts(page)
    expect(await page.locator('figure.chart[data-agent][data-drawn="true"]').count()).toBe(100)
    const drawn = Object.entries(await seriesPixels(page)).filter(([k]) => k.startsWith('agent-'))
    expect(drawn).toHaveLength(100)
    for (const [chart, pixels] of drawn) expect(pixels, chart).toBeGreaterThan(300)
    expect(await page.locator('#agents tr[data-agent="agent-042"] svg.spark polyline').count()).toBe(1)
    expect(errors).toEqual([])
  })
})
