import type { AgentInfo } from '@warden/core'
import type { AgentView } from '../schemas/agent.js'
import type { Sources } from '../sources/sources.js'

/** What the API shows of an agent: its state, spec basics (never `env`), latest point and alerts. */
export function agentView(
  sources: Sources,
  info: AgentInfo,
  now: number,
  gpu?: Map<string, number>,
): AgentView {
  const spec = sources.supervisor.spec(info.id)
  const running = info.pid !== null && info.startTime !== null
  return {
    id: info.id,
    type: info.type ?? null,
    status: info.status,
    pid: info.pid,
    startTime: info.startTime,
    uptimeMs: running ? Math.max(0, now - info.startTime!) : null,
    restarts: info.restartCount,
    adopted: info.adopted,
    command: spec?.command ?? null,
    args: [...(spec?.args ?? [])],
    labels: { ...info.labels },
    lastExit:
      info.lastExit === undefined
        ? null
        : {
            code: info.lastExit.code,
            signal: info.lastExit.signal,
            at: info.lastExit.at,
            stderrTail: [...(info.lastExit.stderrTail ?? [])],
          },
    lastError:
      info.lastError === undefined
        ? null
        : { code: info.lastError.code ?? null, message: info.lastError.message, at: info.lastError.at },
    droppedLogLines: info.droppedLogLines,
    latest: sources.monitor.latest(info.id) ?? null,
    cpuSeconds: sources.cpu.seconds(info.id) ?? null,
    gpuMemoryBytes: gpu?.get(info.id) ?? null,
    alerts: sources.alerts.open(info.id),
  }
}
