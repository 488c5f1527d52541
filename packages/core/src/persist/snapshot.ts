import { bootId } from '@warden/utils'
import type { StderrFileIdentity } from '../logs/stderr-file.js'
import type { AgentInfo } from '../registry/types.js'
import type { PersistedAgentState, StoredAgentSpec, StoredRelay } from './state.js'

/** What an agent knows of its current run (see StoredRun). */
export interface RunState {
  readonly cookie: string | undefined
  readonly cookieSinceTicks: number | undefined
  readonly relay: StoredRelay | undefined
  readonly stderrFile: StderrFileIdentity | undefined
}

/** The state to save for an agent: its snapshot, the request it was last given, its run, its spec. */
export function snapshot(
  info: AgentInfo,
  want: 'up' | 'down',
  run: RunState,
  spec: StoredAgentSpec,
): PersistedAgentState {
  const boot = bootId()
  return {
    status: info.status,
    restartCount: info.restartCount,
    ...(info.oomRestarts === undefined ? {} : { oomRestarts: info.oomRestarts }),
    startTime: info.startTime,
    pid: info.pid,
    startTicks: info.startTicks,
    ...(info.lastExit ? { lastExit: info.lastExit } : {}),
    ...(info.lastError ? { lastError: info.lastError } : {}),
    ...(info.type !== undefined ? { type: info.type } : {}),
    ...(info.labels !== undefined ? { labels: info.labels } : {}),
    adopted: info.adopted,
    want,
    // Without a boot id, a saved identity could not be told from another boot's: none is saved.
    run:
      run.cookie === undefined || boot === null
        ? null
        : {
            bootId: boot,
            cookie: run.cookie,
            cookieSinceTicks: run.cookieSinceTicks ?? null,
            relay: run.relay === undefined ? null : { ...run.relay },
            stderrFile: run.stderrFile ? { dev: run.stderrFile.dev, ino: run.stderrFile.ino } : null,
          },
    spec,
  }
}
