import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { busy, idle, type Json, READ_TOKEN, startWarden, type Warden } from '../helpers.js'

const PROMTOOL = '/usr/bin/promtool'
const hasPromtool = existsSync(PROMTOOL)

/** Every metric the issue lists, and the labels each series carries. */
export const ISSUE_METRICS: Record<string, readonly string[]> = {
  warden_agent_up: ['agent'],
  warden_agent_info: ['agent', 'command'],
  warden_agent_start_time_seconds: ['agent'],
  warden_agent_restarts_total: ['agent', 'reason'],
  warden_agent_cpu_seconds_total: ['agent', 'mode'],
  warden_agent_resident_memory_bytes: ['agent'],
  warden_agent_virtual_memory_bytes: ['agent'],
  warden_agent_read_bytes_total: ['agent'],
  warden_agent_written_bytes_total: ['agent'],
  warden_agent_open_fds: ['agent'],
  warden_agent_threads: ['agent'],
  warden_agent_processes: ['agent'],
  warden_agent_gpu_memory_bytes: ['agent'],
  warden_alert_active: ['agent', 'resource', 'level'],
  warden_collector_success: ['collector'],
  warden_collector_duration_seconds: ['collector'],
  warden_tick_duration_seconds: ['monitor'],
}

/** Metric families of a text exposition: name (counters with `_total`) -> TYPE. */
function families(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm))
    out.set(m[2] === 'counter' && !m[1]!.endsWith('_total') ? `${m[1]}_total` : m[1]!, m[2]!)
  return out
}

/** Series lines: `name{labels} value`. */
function series(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out = []
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m) continue
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!
    out.push({ name: m[1]!, labels, value: Number(m[3]) })
  }
  return out
}

let w: Warden
let text: string
beforeAll(async () => {
  w = await startWarden({
    agents: [busy('burner'), idle('idle'), idle('stopped')],
    host: {
      intervalMs: 60_000,
      gpu: 'off',
      systemd: false,
      disks: { mountPoints: ['/'] },
      // A collector that fails: its metrics go, its success gauge says 0, the scrape goes on.
      temperature: { sysfsPath: '/nonexistent/temp1_input' },
    },
  })
  await w.supervisor.stop('stopped')
  w.monitor.setThreshold('burner', { cpuPercent: 10, durationMs: 0 })
  await w.monitor.collectOnce()
  const res = await w.get('/metrics', READ_TOKEN)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
  text = await res.text()
})
afterAll(async () => w.close())

describe('GET /metrics', () => {
  it('has every metric of the issue, with its labels and never a pid label', () => {
    const types = families(text)
    const all = series(text)
    for (const [name, labels] of Object.entries(ISSUE_METRICS)) {
      expect(types.has(name), name).toBe(true)
      for (const s of all.filter((s) => s.name === name))
        expect(Object.keys(s.labels).sort(), name).toEqual([...labels].sort())
    }
    expect(all.some((s) => 'pid' in s.labels)).toBe(false)
    for (const [name, type] of types) {
      expect(name).toMatch(/^warden_/)
      if (type === 'counter') expect(name).toMatch(/_total$/)
    }
    expect([...types.keys()].filter((n) => n.startsWith('warden_host_')).length).toBeGreaterThan(20)
  })

  it('serves the values of the API: up, info, memory, cpu by mode, restarts, alerts, collectors, ticks', async () => {
    const all = series(text)
    const value = (name: string, labels: Record<string, string>): number | undefined =>
      all.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value
    const agent = ((await (await w.get('/v1/agents/burner', READ_TOKEN)).json()) as Json).agent
    expect(value('warden_agent_up', { agent: 'burner' })).toBe(1)
    expect(value('warden_agent_up', { agent: 'stopped' })).toBe(0)
    expect(value('warden_agent_info', { agent: 'burner', command: process.execPath })).toBe(1)
    expect(value('warden_agent_start_time_seconds', { agent: 'burner' })).toBe(agent.startTime / 1000)
    expect(value('warden_agent_start_time_seconds', { agent: 'stopped' })).toBeUndefined()
    expect(value('warden_agent_resident_memory_bytes', { agent: 'burner' })).toBe(agent.latest.memoryRss)
    expect(value('warden_agent_virtual_memory_bytes', { agent: 'burner' })).toBe(agent.latest.memoryVms)
    expect(value('warden_agent_threads', { agent: 'burner' })).toBe(agent.latest.threads)
    expect(value('warden_agent_open_fds', { agent: 'burner' })).toBe(agent.latest.openFiles)
    expect(value('warden_agent_processes', { agent: 'burner' })).toBe(1)
    expect(value('warden_agent_read_bytes_total', { agent: 'burner' })).toBe(agent.latest.diskReadBytes)
    expect(value('warden_agent_restarts_total', { agent: 'burner', reason: 'other' })).toBe(0)
    expect(value('warden_agent_restarts_total', { agent: 'burner', reason: 'oom' })).toBe(0)
    expect(value('warden_agent_cpu_seconds_total', { agent: 'burner', mode: 'user' })).toBe(
      agent.cpuSeconds.user,
    )
    expect(value('warden_agent_cpu_seconds_total', { agent: 'burner', mode: 'system' })).toBe(
      agent.cpuSeconds.system,
    )
    expect(agent.cpuSeconds.user).toBeGreaterThan(0)
    expect(value('warden_alert_active', { agent: 'burner', resource: 'cpuPercent', level: 'error' })).toBe(1)
    expect(value('warden_collector_success', { collector: 'memory' })).toBe(1)
    expect(value('warden_collector_success', { collector: 'temperature' })).toBe(0)
    expect(value('warden_collector_duration_seconds', { collector: 'cpu' })).toBeGreaterThanOrEqual(0)
    expect(value('warden_tick_duration_seconds', { monitor: 'agents' })).toBeGreaterThan(0)
    expect(value('warden_tick_duration_seconds', { monitor: 'host' })).toBeGreaterThan(0)
    expect(all.some((s) => s.name === 'warden_host_temperature_celsius')).toBe(false)
    expect(value('warden_host_memory_total_bytes', {})).toBeGreaterThan(0)
  })

  it.skipIf(!hasPromtool)(
    `passes promtool check metrics (${hasPromtool ? PROMTOOL : 'skipped: Debian package prometheus not installed'})`,
    () => {
      const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' })
      expect(`${r.stdout}${r.stderr}`).toBe('')
      expect(r.status).toBe(0)
    },
  )

  it('answers OpenMetrics when the scraper asks for it, text otherwise', async () => {
    const prometheusAccept =
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
    const res = await w.get('/metrics', READ_TOKEN, { headers: { accept: prometheusAccept } })
    expect(res.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8')
    const open = await res.text()
    expect(open.trimEnd().endsWith('# EOF')).toBe(true)
    expect(open).toMatch(/^# TYPE warden_agent_cpu_seconds counter$/m)
    expect(open).toMatch(/^warden_agent_cpu_seconds_total\{agent="burner",mode="user"\} /m)
    const curl = await w.get('/metrics', READ_TOKEN, { headers: { accept: '*/*' } })
    expect(curl.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    // The text registry is not changed by an OpenMetrics render (prom-client renames counters in place).
    expect(await (await w.get('/metrics', READ_TOKEN)).text()).toMatch(
      /^# TYPE warden_agent_restarts_total counter$/m,
    )
  })
})

/** Metric names the README's metrics table documents (`_suffix` cells continue the row's first name; `{a,b}` expands). */
function documented(): Set<string> {
  const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md'), 'utf8')
  const out = new Set<string>()
  const expand = (name: string): string[] => {
    const m = /\{([^}]+)\}/.exec(name)
    return m ? m[1]!.split(',').flatMap((v) => expand(name.replace(m[0], v))) : [name]
  }
  for (const row of readme.match(/^\| `warden_[^|]+\|/gm) ?? []) {
    const names = [...row.matchAll(/`([\w{},]+)`/g)].map((m) => m[1]!)
    const first = names[0]!
    for (const name of expand(first)) out.add(name)
    for (const suffix of names.slice(1).filter((n) => n.startsWith('_'))) {
      const parts = first.split('_')
      for (let i = 2; i < parts.length; i++) out.add(parts.slice(0, i).join('_') + suffix)
    }
    for (const other of names.slice(1).filter((n) => n.startsWith('warden_'))) out.add(other)
  }
  return out
}

describe('README', () => {
  it('documents every metric /metrics serves', () => {
    const docs = documented()
    expect(
      docs.has('warden_host_memory_free_bytes') && docs.has('warden_host_pressure_io_stalled_seconds_total'),
    ).toBe(true)
    expect(docs.has('warden_agent_made_up')).toBe(false)
    expect([...families(text).keys()].filter((name) => !docs.has(name))).toEqual([])
  })
})

describe('dashboard/grafana.json', () => {
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dashboard', 'grafana.json')
  it('only queries metrics that /metrics has', () => {
    const dashboard = JSON.parse(readFileSync(file, 'utf8')) as { panels: { targets?: { expr: string }[] }[] }
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr))
    expect(exprs.length).toBeGreaterThan(10)
    const used = new Set(exprs.flatMap((e) => e.match(/\bwarden_\w+/g) ?? []))
    const served = families(text)
    const missing = [...used].filter((m) => !served.has(m))
    expect(missing).toEqual([])
    for (const name of Object.keys(ISSUE_METRICS))
      if (name !== 'warden_agent_info') expect(used, name).toContain(name)
  })
})
