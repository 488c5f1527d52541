/**
 * The Warden dashboard: host and agent charts over a time window (aggregated by the history
 * API), the agents table with controls, and live updates from `/v1/events`. No build step: plain
 * ES modules and uPlot's script, all served by the Warden server itself.
 */
import { AgentChart, AgentsTable } from './agents.js'
import { Api, ApiError } from './api.js'
import { layout } from './charts.js'
import { HostCharts } from './host.js'
import { byAgent, markersFrom } from './markers.js'
import { followEvents } from './sse.js'

/** Window → bucket width: a few hundred buckets each. */
export const WINDOWS = {
  '15m': { ms: 15 * 60_000, interval: '5s', refreshMs: 15_000 },
  '1h': { ms: 3_600_000, interval: '15s', refreshMs: 30_000 },
  '24h': { ms: 86_400_000, interval: '5m', refreshMs: 120_000 },
  '7d': { ms: 7 * 86_400_000, interval: '30m', refreshMs: 300_000 },
}
const TOKEN_KEY = 'warden.token'
const SNAPSHOT_MS = 5000
const $ = (id) => document.getElementById(id)
const root = document.documentElement

const state = {
  api: null,
  window: '1h',
  /** Server clock minus this browser's (from the snapshot's `time`), so live markers land right. */
  offsetMs: 0,
  range: { since: 0, until: 0 },
  agents: [],
  host: null,
  hostCharts: null,
  agentCharts: new Map(),
  agentChartsByFigure: new Map(),
  table: null,
  /** Carries each agent's restart count across events (see markersFrom). */
  markerState: new Map(),
  /** Highest event id applied; live events at or below it are already on the charts. */
  lastEventId: 0,
  /** Live events that came while a window was loading: applied once it is in. */
  pending: null,
  renderSeq: 0,
  refreshTimer: null,
  snapshotTimer: null,
  abort: new AbortController(),
}

const serverNow = () => Date.now() + state.offsetMs
const xRange = () => [state.range.since / 1000, state.range.until / 1000]

function showError(message) {
  const el = $('error')
  el.textContent = message
  el.hidden = message === ''
}

function notice(message) {
  const el = $('notice')
  el.textContent = message
  el.hidden = message === ''
}

function describeError(error) {
  if (error instanceof ApiError) {
    if (error.status === 401) return `The token was refused (401 ${error.code ?? ''}: ${error.message}).`
    if (error.status === 403)
      return 'This token is read-only (403): start, stop and restart need a control token.'
    return `${error.status} ${error.code ?? ''}: ${error.message}`
  }
  return error?.message ?? String(error)
}

// --- auth ---

function showLogin() {
  $('main').hidden = true
  $('login').hidden = false
  $('token').focus()
}

$('login').addEventListener('submit', (event) => {
  event.preventDefault()
  const token = $('token').value.trim()
  if (token === '') return
  sessionStorage.setItem(TOKEN_KEY, token)
  $('token').value = ''
  void start(token)
})

$('forget').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY)
  location.reload()
})

// --- data ---

async function loadSnapshot() {
  const sentAt = Date.now()
  const snap = await state.api.get('/v1/snapshot')
  state.offsetMs = snap.time - (sentAt + Date.now()) / 2
  state.host = snap.host
  $('node-id').textContent = snap.node.id
  const before = state.agents.map((a) => a.id).join('\n')
  state.agents = snap.agents
  state.table.update(snap.agents)
  state.hostCharts.renderCores(snap.host)
  return before !== snap.agents.map((a) => a.id).join('\n')
}

let snapshotQueued = null
/** A snapshot soon (lifecycle events come in bursts: one request for the burst). */
function refreshSnapshotSoon() {
  if (snapshotQueued !== null) return
  snapshotQueued = setTimeout(async () => {
    snapshotQueued = null
    try {
      if (await loadSnapshot()) await renderWindow(state.window)
    } catch (error) {
      showError(describeError(error))
    }
  }, 150)
}

/**
 * A window draws the agent charts in or near the viewport (within one viewport's height of it)
 * first: the others keep their window's columns and draw when scrolled near, or in idle time
 * after the window shows (drawRestWhenIdle). Creating ~100 uPlots was most of a 100-agent
 * window's load.
 */
const NEAR = 1
const nearObserver = new IntersectionObserver(
  (entries) => {
    for (const e of entries) if (e.isIntersecting) state.agentChartsByFigure.get(e.target)?.flush()
  },
  { rootMargin: `${NEAR * 100}% 0px` },
)

/** Whether `el` is in the viewport or within NEAR viewports of it (what the observer flushes). */
function nearViewport(el) {
  const r = el.getBoundingClientRect()
  const h = innerHeight
  return r.bottom >= -NEAR * h && r.top <= h + NEAR * h
}

function agentChart(id) {
  let chart = state.agentCharts.get(id)
  if (chart === undefined) {
    chart = new AgentChart($('agent-charts'), id, xRange)
    state.agentCharts.set(id, chart)
    state.agentChartsByFigure.set(chart.parts.figure, chart)
    nearObserver.observe(chart.parts.figure)
  }
  return chart
}

/**
 * Loads `win` for the host and every agent and draws the host charts and the agent charts in or
 * near the viewport (the others when scrolled near); sets `data-rendered` once those have drawn
 * and a frame has passed: the page shows the window and answers input. `data-charts`: how many.
 */
async function renderWindow(win, prefetched = null) {
  const seq = ++state.renderSeq
  // From the window's first request: for the first window, sent while the snapshot loaded.
  const t0 = prefetched?.win === win ? prefetched.sentAt : performance.now()
  state.window = win
  root.dataset.window = win
  for (const b of document.querySelectorAll('#windows button'))
    b.setAttribute('aria-pressed', String(b.dataset.window === win))
  const { ms, interval } = WINDOWS[win]
  const until = serverNow()
  state.pending = []
  const ids = state.agents.map((a) => a.id)
  // The first window's agents and events were asked for while the snapshot loaded (see start()),
  // from this browser's clock: used when that clock is within a bucket of the server's.
  const early = prefetched?.win === win && Math.abs(state.offsetMs) < prefetched.bucketMs ? prefetched : null
  const since = early?.since ?? Math.floor(until - ms)
  const q = `since=${since}&interval=${interval}`
  const [hostHistory, recent, agentsHistory] = await Promise.all([
    // Without a host monitor there is no host history to ask for (it would be a 404).
    state.host === null ? null : state.api.get(`/v1/host/history?${q}`).catch((e) => e),
    early?.recent ?? state.api.get(`/v1/events/recent?since=${since}`),
    // Every agent in one answer, with only the two columns drawn.
    early?.agents ?? agentsRequest(q),
  ])
  if (seq !== state.renderSeq) return
  const fetched = performance.now()
  state.range = { since, until }

  // Markers: the kept events of the window, then what came live meanwhile.
  state.markerState = new Map()
  const markers = byAgent(markersFrom(recent.events, state.markerState))
  state.lastEventId = recent.lastId
  // A full ring means older events were dropped: say how far back the markers reach.
  const full = recent.events.length >= recent.keep
  $('marker-reach').textContent =
    full && recent.keptSince !== null && recent.keptSince > since
      ? `Markers reach back to ${new Date(recent.keptSince).toLocaleString()}: the server keeps its last ${recent.keep} events (keptEvents).`
      : ''

  const draws = []
  const expect = (chart) => draws.push(chart.nextDraw())
  for (const [id, chart] of state.agentCharts) {
    if (ids.includes(id)) continue
    nearObserver.unobserve(chart.parts.figure)
    state.agentChartsByFigure.delete(chart.parts.figure)
    chart.destroy()
    state.agentCharts.delete(id)
  }
  // Every change to the page first, then one layout for where the cards are, then the charts:
  // reading a position between changes re-lays out the whole page (100 table rows and cards).
  const byId = new Map(agentsHistory instanceof Error ? [] : agentsHistory.agents.map((a) => [a.agent, a]))
  const charts = ids.map((id, i) => {
    const chart = agentChart(id)
    $('agent-charts').append(chart.parts.figure)
    chart.setMarkers(markers.get(id) ?? [])
    const history = agentsHistory instanceof Error ? agentsHistory : (byId.get(id) ?? { start: [] })
    if (history instanceof Error) expect(chart.chart) // drawn at once: "history failed"
    const cpu = chart.render(history, false)
    const latest = state.agents[i].latest?.cpuPercent ?? null
    state.table.sparkline(id, cpu, latest)
    return chart
  })
  const near = charts.map((chart) => nearViewport(chart.parts.figure))
  for (const chart of state.hostCharts.charts) expect(chart)
  state.hostCharts.render(hostHistory, state.host)
  // Only the charts in or near the viewport draw now (and count for data-rendered).
  charts.forEach((chart, i) => {
    if (near[i] && chart.pending) {
      expect(chart.chart)
      chart.flush()
    }
  })
  applyLive(state.pending)
  state.pending = null
  const built = performance.now()

  await Promise.all(draws)
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))
  if (seq !== state.renderSeq) return
  const took = performance.now() - t0
  root.dataset.renderMs = took.toFixed(1)
  root.dataset.fetchMs = (fetched - t0).toFixed(1)
  root.dataset.buildMs = (built - fetched).toFixed(1)
  root.dataset.rendered = `${win}:${seq}`
  root.dataset.charts = String(draws.length)
  scheduleRefresh()
  drawRestWhenIdle()
}

let idleHandle = null
/**
 * Once a window shows, the agent charts still holding its columns draw in idle time, a few per
 * idle period in page order, so they are ready before anyone scrolls there; scrolled near first,
 * they draw at once (nearObserver).
 */
function drawRestWhenIdle() {
  if (idleHandle !== null) return
  const step = (deadline) => {
    idleHandle = null
    // A window is loading: it calls this again once it shows.
    if (state.pending !== null) return
    for (const chart of state.agentCharts.values()) {
      if (!chart.pending) continue
      if (deadline.timeRemaining() < 8) {
        idleHandle = requestIdleCallback(step)
        return
      }
      chart.flush()
    }
  }
  idleHandle = requestIdleCallback(step)
}

/** Every agent's window in one answer, with only the two columns drawn (an error is the answer when it fails). */
const agentsRequest = (q) =>
  state.api.get(`/v1/history/agents?${q}&fields=cpuPercent,memoryRss`).catch((e) => e)

/**
 * The requests of window `win` that need no snapshot first (the agents' history and the recent
 * events; the host history only exists with a host monitor, which the snapshot tells), sent at
 * once, from this browser's clock: used only when that clock turns out to be within a bucket of
 * the server's, where it moves the window's start by less than a bucket.
 */
function prefetch(win) {
  const sentAt = performance.now()
  const { ms, interval } = WINDOWS[win]
  const bucketMs = { '5s': 5000, '15s': 15_000, '5m': 300_000, '30m': 1_800_000 }[interval]
  const since = Math.floor(Date.now() - ms)
  const q = `since=${since}&interval=${interval}`
  const recent = state.api.get(`/v1/events/recent?since=${since}`)
  recent.catch(() => {}) // answered (or thrown) where it is awaited
  return { win, sentAt, bucketMs, since, recent, agents: agentsRequest(q) }
}

function scheduleRefresh() {
  clearTimeout(state.refreshTimer)
  state.refreshTimer = setTimeout(() => {
    renderWindow(state.window).catch((error) => showError(describeError(error)))
  }, WINDOWS[state.window].refreshMs)
}

// --- live ---

function applyLive(events) {
  const fresh = events.filter((e) => e.id > state.lastEventId)
  if (fresh.length === 0) return
  state.lastEventId = fresh.at(-1).id
  state.range = { since: serverNow() - WINDOWS[state.window].ms, until: serverNow() }
  for (const [agent, list] of byAgent(markersFrom(fresh, state.markerState)))
    state.agentCharts.get(agent)?.addMarkers(list)
}

function onEvent(message) {
  let data
  try {
    data = JSON.parse(message.data)
  } catch {
    return
  }
  const event = {
    id: Number(message.id),
    event: message.event,
    agent: data.id ?? data.agentId,
    time: serverNow(),
    data,
  }
  if (state.pending !== null) state.pending.push(event)
  else applyLive([event])
  refreshSnapshotSoon()
}

function onStreamState(s, error) {
  const live = $('live')
  live.dataset.state = s
  live.textContent = s === 'live' ? 'live' : s === 'reconnecting' ? 'reconnecting…' : 'stream error'
  if (s === 'error') showError(`Live updates stopped: ${describeError(error)}`)
}

// --- controls ---

async function onAction(id, action, row) {
  const buttons = row.querySelectorAll('button')
  for (const b of buttons) b.disabled = true
  notice(`${action} ${id}…`)
  try {
    await state.api.post(`/v1/agents/${encodeURIComponent(id)}/${action}`)
    notice(`${action} ${id}: done`)
    showError('')
    await loadSnapshot()
  } catch (error) {
    notice('')
    showError(`${action} ${id} failed: ${describeError(error)}`)
  } finally {
    for (const b of buttons) b.disabled = false
  }
}

// --- start ---

async function start(token) {
  state.api = new Api(root.dataset.auth === 'required' ? token : null)
  const win = WINDOWS[location.hash.slice(1)] ? location.hash.slice(1) : '1h'
  // The snapshot is asked for first: the server answers in order, and the window waits for it.
  const snapshot = loadSnapshot()
  const early = prefetch(win)
  try {
    await snapshot
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY)
      showError(`${describeError(error)} Enter a valid token.`)
      showLogin()
      return
    }
    showError(`The dashboard could not load: ${describeError(error)}`)
    return
  }
  showError('')
  $('login').hidden = true
  $('main').hidden = false
  $('forget').hidden = root.dataset.auth !== 'required'
  // Sizes are read from the laid-out cards: charts are created after the page shows.
  state.table.update(state.agents)
  void followEvents(state.api, { signal: state.abort.signal, onEvent, onState: onStreamState })
  await renderWindow(win, early).catch((error) => showError(describeError(error)))
  clearInterval(state.snapshotTimer)
  state.snapshotTimer = setInterval(() => {
    loadSnapshot()
      .then((changed) => changed && renderWindow(state.window))
      .catch((error) => showError(describeError(error)))
  }, SNAPSHOT_MS)
}

function init() {
  state.table = new AgentsTable($('agents'), onAction)
  state.hostCharts = new HostCharts($('host-charts'), xRange)
  for (const b of document.querySelectorAll('#windows button')) {
    b.addEventListener('click', () => {
      history.replaceState(null, '', `#${b.dataset.window}`)
      renderWindow(b.dataset.window).catch((error) => showError(describeError(error)))
    })
  }
  let resizeTimer
  addEventListener('resize', () => {
    clearTimeout(resizeTimer)
    resizeTimer = setTimeout(() => {
      layout.width = null
      state.hostCharts.resize()
      for (const c of state.agentCharts.values()) c.resize()
    }, 100)
  })
  addEventListener('pagehide', () => state.abort.abort())
  if (root.dataset.auth !== 'required') return void start(null)
  const token = sessionStorage.getItem(TOKEN_KEY)
  if (token === null) showLogin()
  else void start(token)
}

init()
