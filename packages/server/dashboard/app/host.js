/** The host's charts from `/v1/host/history` buckets; a collector this host lacks is said so, not an error. */
import { avg, Chart, card, columns, rate } from './charts.js'
import { percent } from './format.js'

/** Each host chart: the collector it needs, and its series (bucket field, label, scale). */
const HOST_CHARTS = [
  {
    key: 'host-cpu',
    title: 'CPU (all cores, % busy)',
    collector: 'cpu',
    series: [['cpuPercent', 'total', '%']],
  },
  {
    key: 'host-memory',
    title: 'Memory',
    collector: 'memory',
    series: [
      ['memoryUsedBytes', 'used', 'bytes'],
      ['memoryAvailableBytes', 'available', 'bytes'],
      ['swapUsedBytes', 'swap used', 'bytes'],
    ],
  },
  {
    key: 'host-disks',
    title: 'Disks (fullest filesystem, % used)',
    collector: 'disks',
    series: [['diskUsedPercentMax', 'fullest', '%']],
  },
  {
    key: 'host-temperature',
    title: 'CPU temperature',
    collector: 'temperature',
    series: [['temperatureCelsius', 'CPU', '°C']],
  },
  {
    key: 'host-psi',
    title: 'Pressure stall (PSI some, avg10 %)',
    collector: 'cpu',
    series: [
      ['psiCpuSomeAvg10', 'cpu', '%'],
      ['psiMemorySomeAvg10', 'memory', '%'],
      ['psiIoSomeAvg10', 'io', '%'],
    ],
  },
  {
    key: 'host-gpu',
    title: 'GPU',
    collector: 'gpu',
    series: [
      ['gpuUtilizationPercent', 'utilization', '%'],
      ['gpuMemoryUsedBytes', 'memory used', 'bytes'],
    ],
  },
]

/** Why a collector shows no chart, from the snapshot's latest host sample; null when it reads. */
function collectorProblem(host, name) {
  if (host === null) return 'not available: this server has no host monitor'
  const c = host.collectors[name]
  if (c === undefined) return 'not available on this host (collector off)'
  if (!c.ok && c.error?.code === 'ERR_HOST_UNAVAILABLE')
    return `not available on this host (${c.error.message})`
  return null
}

export class HostCharts {
  #charts = new Map()
  #cores

  constructor(parent, range) {
    for (const def of HOST_CHARTS) {
      const parts = card(parent, def)
      const series = def.series.map(([, label, scale]) => ({ label, scale }))
      this.#charts.set(def.key, { def, chart: new Chart(parts, { series, range }) })
      if (def.key === 'host-cpu') {
        this.#cores = document.createElement('div')
        this.#cores.className = 'cores'
        parts.figure.insertBefore(this.#cores, parts.note)
      }
    }
  }

  get charts() {
    return [...this.#charts.values()].map((c) => c.chart)
  }

  /**
   * Draws the window's buckets. `history` is the `/v1/host/history` answer or the error it
   * gave; `host` the snapshot's latest host sample (which collectors this host has).
   */
  render(history, host) {
    for (const { def, chart } of this.#charts.values()) {
      const problem = collectorProblem(host, def.collector)
      if (problem !== null) {
        chart.unavailable(problem)
        continue
      }
      if (history === null || history instanceof Error) {
        chart.unavailable(
          history?.status === 501 || history?.status === 404
            ? 'no host history on this server (the host monitor has no history)'
            : `host history failed: ${history?.message}`,
        )
        continue
      }
      const buckets = history.buckets ?? []
      const data = columns(
        buckets,
        def.series.map(([key]) => (key.endsWith('Rate') ? rate(key) : avg(key))),
      )
      const hasValue = data.slice(1).some((ys) => ys.some((v) => v !== null))
      if (!hasValue && buckets.length > 0) {
        chart.unavailable(
          def.key === 'host-psi'
            ? 'not available on this host (no /proc/pressure)'
            : 'not available on this host (no readings in this window)',
        )
        continue
      }
      chart.setData(data)
      const c = host.collectors[def.collector]
      chart.parts.note.textContent = c.ok ? '' : `collector failing: ${c.error?.message ?? 'unknown error'}`
    }
  }

  /** Per-core usage now, from the snapshot (host history keeps the total only). */
  renderCores(host) {
    const cpu = host?.collectors.cpu
    this.#cores.replaceChildren()
    if (!cpu?.ok) return
    const label = document.createElement('span')
    label.className = 'cores-label'
    label.textContent = 'per core now:'
    this.#cores.append(label)
    for (const core of cpu.data.perCore ?? []) {
      const bar = document.createElement('span')
      bar.className = 'core'
      bar.title = `cpu${core.cpu}: ${percent(core.usagePercent)}`
      const fill = document.createElement('meter')
      fill.min = 0
      fill.max = 100
      fill.value = core.usagePercent ?? 0
      const text = document.createElement('small')
      text.textContent = `${core.cpu}: ${percent(core.usagePercent)}`
      bar.append(fill, text)
      this.#cores.append(bar)
    }
  }

  resize() {
    for (const { chart } of this.#charts.values()) chart.resize()
  }
}
