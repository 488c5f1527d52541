import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { busy, closeWardensAfterEach, type Json, READ_TOKEN, startWarden, until } from '../helpers.js'

const PROMETHEUS = '/usr/bin/prometheus'
const hasPrometheus = existsSync(PROMETHEUS)

closeWardensAfterEach()

/** A port free on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

let prometheus: ChildProcess | undefined
let dataDir: string | undefined
afterEach(async () => {
  // Only the Prometheus this test started, by its pid.
  const child = prometheus
  prometheus = undefined
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true })
  dataDir = undefined
})

describe('a real Prometheus scraping Warden', () => {
  it.skipIf(!hasPrometheus)(
    `holds the memory and CPU counter Warden's API reports (${hasPrometheus ? PROMETHEUS : 'skipped: Debian package prometheus not installed'})`,
    async () => {
      // The monitor ticks once, at start (then every 60 s): the scrapes and the API see the same point.
      const w = await startWarden({ agents: [busy('burner')] })
      const target = new URL(w.url).host
      dataDir = mkdtempSync(join(tmpdir(), 'warden-prometheus-'))
      const config = join(dataDir, 'prometheus.yml')
      writeFileSync(
        config,
        [
          'global:',
          '  scrape_interval: 1s',
          '  scrape_timeout: 1s',
          'scrape_configs:',
          '  - job_name: warden',
          '    authorization:',
          '      type: Bearer',
          `      credentials: ${READ_TOKEN}`,
          '    static_configs:',
          `      - targets: ['${target}']`,
          '',
        ].join('\n'),
      )
      const port = await freePort()
      let output = ''
      prometheus = spawn(
        PROMETHEUS,
        [
          `--config.file=${config}`,
          `--storage.tsdb.path=${join(dataDir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--log.level=warn',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      )
      prometheus.stdout!.on('data', (c: Buffer) => (output += c))
      prometheus.stderr!.on('data', (c: Buffer) => (output += c))
      const api = `http://127.0.0.1:${port}/api/v1`
      const query = async (
        q: string,
      ): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => {
        const res = await fetch(`${api}/query?query=${encodeURIComponent(q)}`)
        const body = (await res.json()) as Json
        if (body.status !== 'success') throw new Error(`${q}: ${JSON.stringify(body)}`)
        return body.data.result
      }

      // Two scrapes of the target.
      await until(
        async () => {
          if (prometheus?.exitCode !== null) throw new Error(`prometheus exited: ${output}`)
          const r = await query('count_over_time(up{job="warden"}[1m])').catch(() => [])
          return Number(r[0]?.value[1] ?? 0) >= 2
        },
        30_000,
        `two scrapes (prometheus output: ${output})`,
      )
      const [up] = await query('up{job="warden"}')
      expect(up!.value[1]).toBe('1')

      const agent = ((await (await w.get('/v1/agents/burner', READ_TOKEN)).json()) as Json).agent
      const [memory] = await query('warden_agent_resident_memory_bytes{agent="burner"}')
      expect(memory!.metric).toMatchObject({ agent: 'burner', job: 'warden', instance: target })
      expect(Number(memory!.value[1])).toBe(agent.latest.memoryRss)
      const cpu = await query('warden_agent_cpu_seconds_total{agent="burner"}')
      const byMode = Object.fromEntries(cpu.map((s) => [s.metric.mode, Number(s.value[1])]))
      expect(byMode).toEqual(agent.cpuSeconds)
      expect(byMode.user).toBeGreaterThan(0)
      const [info] = await query('warden_agent_info{agent="burner"}')
      expect(info!.metric.command).toBe(process.execPath)
      // Prometheus negotiated OpenMetrics: the counter kept its name.
      const [restarts] = await query('warden_agent_restarts_total{agent="burner"}')
      expect(restarts!.value[1]).toBe('0')
    },
  )
})
