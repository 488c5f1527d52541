/** uPlot charts in cards: one `Chart` per card, data as uPlot columns (x in seconds). */
import { bytes, celsius, percent, plain } from './format.js'

const uPlot = globalThis.uPlot

/** The plot width of a card; null until measured (and after a resize). */
export const layout = { width: null }

/** Axis and legend formats per scale. */
export const SCALES = {
  '%': { format: percent },
  bytes: { format: bytes },
  '°C': { format: celsius },
  n: { format: plain },
}

const PALETTE = ['#2f6fdd', '#e8590c', '#2b8a3e', '#ae3ec9', '#c92a2a', '#1098ad', '#5c940d', '#862e9c']

/**
 * Dots as well as lines while a series has few readings in view: uPlot's own rule looks at the
 * x span only, so a single reading (or a few close together at the window's edge) drew nothing.
 */
function fewReadings(u, si, i0, i1) {
  const ys = u.data[si]
  let n = 0
  for (let i = i0; i <= i1; i++) if (ys[i] !== null && ys[i] !== undefined) n++
  return n * 8 < u.bbox.width / devicePixelRatio
}

/** A card `<figure>` with a caption, a plot area and a note line, appended to `parent`. */
export function card(parent, { key, title }) {
  const figure = document.createElement('figure')
  figure.className = 'chart'
  figure.dataset.chart = key
  figure.dataset.drawn = 'false'
  const caption = document.createElement('figcaption')
  caption.textContent = title
  const plot = document.createElement('div')
  plot.className = 'plot'
  const note = document.createElement('p')
  note.className = 'note'
  figure.append(caption, plot, note)
  parent.append(figure)
  return { figure, caption, plot, note }
}

/**
 * A uPlot time chart. `series`: `{ label, scale }` per line (colours from the palette); the first
 * scale gets the left axis, a second one the right axis. `range()` gives the x range in seconds, so
 * every chart of a window shows the same span; `plugins` draw more (markers).
 */
export class Chart {
  #u = null
  #waiters = []
  #draws = 0

  constructor(parts, { series, range, height = 150, plugins = [] }) {
    this.parts = parts
    this.series = series
    this.range = range
    this.height = height
    this.plugins = plugins
  }

  /** Resolves after the next time the chart has drawn. */
  nextDraw() {
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  get draws() {
    return this.#draws
  }

  #drew() {
    this.#draws++
    this.parts.figure.dataset.drawn = 'true'
    this.parts.figure.dataset.draws = String(this.#draws)
    for (const resolve of this.#waiters.splice(0)) resolve()
  }

  #options() {
    const scales = [...new Set(this.series.map((s) => s.scale))]
    const axes = [
      { stroke: '#555', grid: { stroke: '#eee' }, ticks: { stroke: '#ddd' } },
      ...scales.map((scale, i) => ({
        scale,
        side: i === 0 ? 3 : 1,
        size: scale === 'bytes' ? 76 : 60,
        stroke: '#555',
        grid: { show: i === 0, stroke: '#eee' },
        ticks: { stroke: '#ddd' },
        values: (_u, splits) => splits.map((v) => (SCALES[scale] ?? SCALES.n).format(v)),
      })),
    ]
    return {
      width: this.#width(),
      height: this.height,
      pxAlign: 1,
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true, range: () => this.range() },
        ...Object.fromEntries(
          scales.map((s) => [s, { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.05 : 1] }]),
        ),
      },
      axes,
      series: [
        {},
        ...this.series.map((s, i) => ({
          label: s.label,
          scale: s.scale,
          stroke: s.color ?? PALETTE[i % PALETTE.length],
          width: 1.5,
          points: { show: fewReadings },
          value: (_u, v) => (SCALES[s.scale] ?? SCALES.n).format(v),
        })),
      ],
      plugins: this.plugins,
      hooks: { draw: [() => this.#drew()] },
    }
  }

  #width() {
    // Every card has the grid's column width: measured once per layout, not once per chart (each
    // read forces a layout of the whole page, and a 100-agent window made 100 of them).
    layout.width ??= Math.max(240, this.parts.plot.clientWidth || this.parts.figure.clientWidth - 16)
    return layout.width
  }

  /** Shows `data` (`[xs, ...ys]`); the first call creates the plot. */
  setData(data) {
    this.parts.figure.dataset.available = 'true'
    // How many readings the first series has in the window: what a test (or a person) can check against the canvas.
    this.parts.figure.dataset.points = String(data[1]?.filter((v) => v !== null).length ?? 0)
    this.parts.plot.hidden = false
    if (this.#u === null) this.#u = new uPlot(this.#options(), data, this.parts.plot)
    else this.#u.setData(data)
  }

  /** Redraws with the current range (a live marker moved the window on). */
  redraw() {
    if (this.#u === null) return
    const [min, max] = this.range()
    this.#u.setScale('x', { min, max })
  }

  /** No chart: `message` instead (a collector this host does not have, an error). */
  unavailable(message) {
    this.parts.figure.dataset.available = 'false'
    this.parts.plot.hidden = true
    this.parts.note.textContent = message
    this.destroy()
    this.#drew()
  }

  resize() {
    this.#u?.setSize({ width: this.#width(), height: this.height })
  }

  destroy() {
    this.#u?.destroy()
    this.#u = null
  }
}

/** uPlot columns from aggregated buckets: x = bucket start (s), one column per `pick(bucket)`. */
export function columns(buckets, picks) {
  const xs = new Array(buckets.length)
  const ys = picks.map(() => new Array(buckets.length))
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i]
    xs[i] = b.start / 1000
    for (let j = 0; j < picks.length; j++) ys[j][i] = picks[j](b)
  }
  return [xs, ...ys]
}

/** A gauge's bucket average (null when the bucket had no reading of it). */
export const avg = (key) => (b) => b[key]?.avg ?? null

/** A counter's rate in a bucket (already a number or null). */
export const rate = (key) => (b) => b[key] ?? null

/** An inline SVG polyline of `values` (nulls skipped) in a `width`×`height` box. */
export function sparkline(values, { width = 120, height = 24 } = {}) {
  const ns = 'http://www.w3.org/2000/svg'
  const svg = document.createElementNS(ns, 'svg')
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`)
  svg.setAttribute('width', String(width))
  svg.setAttribute('height', String(height))
  svg.setAttribute('class', 'spark')
  const finite = values.filter((v) => v !== null && Number.isFinite(v))
  if (finite.length < 2) return svg
  const max = Math.max(...finite, 1e-9)
  const step = width / (values.length - 1)
  const points = []
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) return
    points.push(`${(i * step).toFixed(1)},${(height - 1 - (v / max) * (height - 2)).toFixed(1)}`)
  })
  const line = document.createElementNS(ns, 'polyline')
  line.setAttribute('points', points.join(' '))
  line.setAttribute('fill', 'none')
  line.setAttribute('stroke', '#2f6fdd')
  line.setAttribute('stroke-width', '1.2')
  svg.append(line)
  return svg
}
