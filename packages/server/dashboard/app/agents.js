/** The agents table (status, pid, uptime, restarts, alerts, sparkline, controls) and one chart per agent. */
import { Chart, card, sparkline } from './charts.js'
import { bytes, duration, percent } from './format.js'
import { MARKER_KINDS, markersPlugin } from './markers.js'

const ACTIONS = ['start', 'stop', 'restart']

/** One row per agent, updated in place so buttons keep focus across refreshes. */
export class AgentsTable {
  #body
  #rows = new Map()
  #onAction

  constructor(table, onAction) {
    this.#body = table.tBodies[0]
    this.#onAction = onAction
  }

  #row(id) {
    let row = this.#rows.get(id)
    if (row !== undefined) return row
    const tr = document.createElement('tr')
    tr.dataset.agent = id
    const cell = (name) => {
      const td = document.createElement('td')
      td.className = name
      tr.append(td)
      return td
    }
    const cells = Object.fromEntries(
      ['id', 'status', 'pid', 'uptime', 'restarts', 'alerts', 'spark', 'memory', 'actions'].map((n) => [
        n,
        cell(n),
      ]),
    )
    cells.id.textContent = id
    for (const action of ACTIONS) {
      const button = document.createElement('button')
      button.type = 'button'
      button.dataset.action = action
      button.textContent = action
      button.addEventListener('click', () => this.#onAction(id, action, tr))
      cells.actions.append(button)
    }
    row = { tr, cells }
    this.#rows.set(id, row)
    return row
  }

  /** Shows `agents` (AgentView[]) in this order; rows of agents no longer listed go. */
  update(agents) {
    const seen = new Set()
    // Rows already in order stay where they are: moving one re-lays out the whole table.
    let prev = null
    for (const a of agents) {
      seen.add(a.id)
      const { tr, cells } = this.#row(a.id)
      tr.dataset.status = a.status
      cells.status.textContent = a.status
      cells.status.dataset.status = a.status
      cells.pid.textContent = a.pid ?? '–'
      cells.uptime.textContent = a.uptimeMs === null ? '–' : duration(a.uptimeMs)
      cells.restarts.textContent = String(a.restarts)
      cells.memory.textContent = bytes(a.latest?.memoryRss)
      cells.alerts.replaceChildren(
        ...a.alerts.map((e) => {
          const badge = document.createElement('span')
          badge.className = `alert ${e.level}`
          badge.textContent = `${e.resource} ${e.level}`
          badge.title = `value ${e.value}, threshold ${e.threshold}`
          return badge
        }),
      )
      if (a.alerts.length === 0) cells.alerts.textContent = '–'
      const next = prev === null ? this.#body.firstElementChild : prev.nextElementSibling
      if (next !== tr) this.#body.insertBefore(tr, next)
      prev = tr
    }
    for (const [id, row] of this.#rows) {
      if (seen.has(id)) continue
      row.tr.remove()
      this.#rows.delete(id)
    }
  }

  /** CPU over the window as a sparkline (from the same buckets as the agent's chart). */
  sparkline(id, cpuValues, latestCpu) {
    const row = this.#rows.get(id)
    if (row === undefined) return
    const svg = sparkline(cpuValues)
    const label = document.createElement('small')
    label.textContent = percent(latestCpu)
    row.cells.spark.replaceChildren(svg, label)
  }
}

/** An agent's CPU and memory over the window, with its lifecycle and alert markers. */
export class AgentChart {
  #markers = []
  #pending = null

  constructor(parent, id, range) {
    this.id = id
    this.parts = card(parent, { key: `agent-${id}`, title: id })
    this.parts.figure.dataset.agent = id
    this.parts.figure.dataset.markers = ''
    this.legend = document.createElement('p')
    this.legend.className = 'markers'
    this.parts.figure.insertBefore(this.legend, this.parts.note)
    this.chart = new Chart(this.parts, {
      series: [
        { label: 'cpu', scale: '%' },
        { label: 'memory', scale: 'bytes' },
      ],
      range,
      height: 140,
      plugins: [markersPlugin(() => this.#markers)],
    })
  }

  /**
   * The window's columns from `/v1/history/agents` (`start`, `cpuPercent`, `memoryRss`), or the
   * error fetching them gave; returns the CPU column. With `draw` false (the card is far from the
   * viewport) the columns are kept until `flush()`: creating and drawing a uPlot is most of a
   * 100-agent window's cost, and nobody sees the charts below the fold until they scroll there.
   * Until then the card says `data-drawn="false"`: it does not show this window yet.
   */
  render(history, draw = true) {
    if (history instanceof Error) {
      this.#pending = null
      this.chart.unavailable(`history failed: ${history.message}`)
      return []
    }
    const xs = history.start.map((t) => t / 1000)
    const cpu = history.cpuPercent ?? xs.map(() => null)
    this.#pending = [xs, cpu, history.memoryRss ?? xs.map(() => null)]
    this.parts.figure.dataset.drawn = 'false'
    this.parts.note.textContent = xs.length > 0 ? '' : 'no samples in this window'
    if (draw) this.flush()
    return cpu
  }

  /** Shows the columns `render()` kept back; true when there were some (the chart will draw). */
  flush() {
    if (this.#pending === null) return false
    const data = this.#pending
    this.#pending = null
    this.chart.setData(data)
    return true
  }

  /** True while the card holds columns it has not drawn (it is out of view). */
  get pending() {
    return this.#pending !== null
  }

  /** Replaces the markers (a new window) and redraws. */
  setMarkers(markers) {
    this.#markers = markers
    this.#showMarkers()
  }

  /** Adds live markers and moves the window on to now, so they are in range. */
  addMarkers(markers) {
    this.#markers.push(...markers)
    this.#showMarkers()
    // A card holding back a window draws it, markers and all, when it comes into view.
    if (!this.pending) this.chart.redraw()
  }

  get markers() {
    return this.#markers
  }

  #showMarkers() {
    // In the DOM too: what the lines on the canvas mean, and something a test can read.
    this.parts.figure.dataset.markers = this.#markers.map((m) => m.kind).join(' ')
    const counts = new Map()
    for (const m of this.#markers) counts.set(m.kind, (counts.get(m.kind) ?? 0) + 1)
    this.legend.replaceChildren(
      ...[...counts].map(([kind, n]) => {
        const span = document.createElement('span')
        span.className = `marker ${kind}`
        span.dataset.kind = kind
        span.textContent = `${MARKER_KINDS[kind]?.label ?? kind} ×${n}`
        span.title = this.#markers
          .filter((m) => m.kind === kind)
          .map((m) => `${new Date(m.time).toLocaleString()} ${m.text}`)
          .join('\n')
        return span
      }),
    )
  }

  resize() {
    this.chart.resize()
  }

  destroy() {
    this.chart.destroy()
    this.parts.figure.remove()
  }
}
