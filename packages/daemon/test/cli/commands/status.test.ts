import { describe, expect, it } from 'vitest'
import { closeWardensAfterEach, idle, READ_TOKEN, startWarden, until } from '../helpers.js'

closeWardensAfterEach()

/** The monitor has a CPU reading (a process's second sample) for every running agent. */
async function cpuSampled(w: Awaited<ReturnType<typeof startWarden>>, ids: string[]): Promise<void> {
  await until(
    async () => {
      for (const id of ids) {
        const points = await w.monitor.getResourceHistory(id, {})
        if (!points.some((p) => p.cpuPercent !== null)) return false
      }
      return true
    },
    10_000,
    'a CPU reading of every agent',
  )
}

describe('warden status', () => {
  it('prints a table of the agents with memory, alerts and a CPU sparkline of the last hour', async () => {
    const w = await startWarden({ agents: () => [idle('web'), idle('worker')], monitor: { intervalMs: 100 } })
    await w.supervisor.stop('worker')
    w.monitor.setThreshold('web', { memoryBytes: 1, durationMs: 0 })
    await cpuSampled(w, ['web'])
    const alerted = async (): Promise<boolean> => {
      const res = await w.app.inject({
        url: '/v1/agents/web',
        headers: { authorization: `Bearer ${READ_TOKEN}` },
      })
      return res.json().agent.alerts.length > 0
    }
    await until(alerted, 10_000, 'the memory alert')

    const r = await w.cli(['status'])
    expect(r).toMatchObject({ code: 0, stderr: '' })
    const [header, ...rows] = r.stdout.trimEnd().split('\n')
    expect(header!.split(/\s+/)).toEqual([
      'AGENT',
      'STATUS',
      'PID',
      'UPTIME',
      'RESTARTS',
      'CPU',
      'MEMORY',
      'ALERTS',
      'CPU',
      '1H',
    ])
    expect(r.stdout).not.toContain('\x1b[')
    const web = rows.find((l) => l.startsWith('web '))!
    const pid = w.supervisor.get('web')!.pid!
    expect(web).toMatch(
      new RegExp(
        `^web +running +${pid} +\\d+s +0 +\\d+\\.\\d% +\\d+\\.\\d MiB +memoryBytes:error +[ ▁▂▃▄▅▆▇█]*[▁▂▃▄▅▆▇█]$`,
      ),
    )
    const worker = rows.find((l) => l.startsWith('worker '))!
    // A stopped agent: no pid, uptime, CPU or memory; its sparkline still shows the minutes it ran.
    expect(worker).toMatch(/^worker +stopped +- +- +0 +- +- +-/)
  })

  it('--json prints the agents with their CPU of the last hour in 30 two-minute slots', async () => {
    const w = await startWarden({ agents: () => [idle('web')], monitor: { intervalMs: 100 } })
    await cpuSampled(w, ['web'])
    const r = await w.cli(['status', '--json'])
    expect(r.code).toBe(0)
    const { agents } = JSON.parse(r.stdout)
    expect(agents).toHaveLength(1)
    expect(agents[0]).toMatchObject({ id: 'web', status: 'running', pid: w.supervisor.get('web')!.pid })
    const { cpuLastHour } = agents[0]
    expect(cpuLastHour).toMatchObject({ intervalMs: 120_000, since: expect.any(Number) })
    expect(cpuLastHour.since % 120_000).toBe(0)
    expect(cpuLastHour.cpuPercent).toHaveLength(30)
    expect(cpuLastHour.cpuPercent.at(-1)).toEqual(expect.any(Number))
  })

  it('colors only on a terminal without NO_COLOR; says so when there are no agents', async () => {
    const w = await startWarden({ agents: () => [idle('web')] })
    const tty = await w.cli(['status'], { isTTY: true })
    expect(tty.stdout).toContain('\x1b[32mrunning\x1b[0m')
    const noColor = await w.cli(['status'], { isTTY: true, env: { NO_COLOR: '1' } })
    expect(noColor.stdout).not.toContain('\x1b[')
    await w.supervisor.remove('web')
    expect(await w.cli(['status'])).toMatchObject({ code: 0, stdout: 'no agents\n' })
  })
})
