import { type ChildProcess, spawn } from 'node:child_process'
import { statSync } from 'node:fs'
import type { Socket } from 'node:net'
import type { Writable } from 'node:stream'
import { readStat } from '@warden/utils'
import type { AgentCgroup } from '../cgroup/agent-cgroup.js'
import { commandError, EXEC_WRAPPER_SHELL, wrapperArgs } from '../cgroup/exec-wrapper.js'
import { SpawnError } from '../errors.js'
import type { ResolvedSpec } from '../options.js'
import { AGENT_COOKIE_ENV } from './cookie.js'

export type Spawned =
  | {
      readonly ok: true
      readonly child: ChildProcess
      readonly pid: number
      readonly startTicks: number | null
    }
  | { readonly ok: false; readonly error: SpawnError }

function buildEnv(spec: ResolvedSpec, cookie: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  const user = spec.user
  // As login(1) and systemd's User=: the agent's own home and name, not the supervisor's.
  if (user?.name !== undefined) Object.assign(env, { USER: user.name, LOGNAME: user.name })
  if (user?.home !== undefined) env.HOME = user.home
  const extra = spec.env
  for (const [k, v] of Object.entries(extra ?? {})) {
    if (v === undefined) delete env[k]
    else env[k] = v
  }
  // Set last: the spec cannot replace or remove the cookie stop() relies on.
  env[AGENT_COOKIE_ENV] = cookie
  return env
}

/**
 * Spawns an agent in its own session and process group (`detached`) so that its tree can be
 * signalled as a whole, with `cookie` in its environment (see cookie.ts). With `cgroup`, it runs
 * through the exec wrapper (see exec-wrapper.ts) and is moved into the cgroup before it executes
 * the command, so nothing it forks can be outside it. Resolves, never rejects: failures (ENOENT, EACCES, bad cwd,
 * a cgroup that refuses it) come back as a SpawnError. The start ticks are read from /proc right after spawn(), while the child cannot have
 * been reaped yet (reaping needs this event loop turn to end), so pid + ticks is its identity.
 */
export function spawnAgent(
  spec: ResolvedSpec,
  stdio: ['ignore', Socket | 'ignore', Socket | number | 'ignore'],
  cookie: string,
  cgroup?: AgentCgroup,
): Promise<Spawned> {
  const command = spec.command ?? ''
  const fail = (reason: string, cause?: unknown): Promise<Spawned> =>
    Promise.resolve({ ok: false, error: new SpawnError({ id: spec.id, command, reason, cause }) })
  if (spec.cwd !== undefined) {
    // Node reports a bad cwd as "spawn <command> ENOENT", which blames the command: check it first.
    try {
      if (!statSync(spec.cwd).isDirectory()) return fail(`cwd ${spec.cwd} is not a directory`)
    } catch (error) {
      return fail(`cwd ${spec.cwd}: ${(error as NodeJS.ErrnoException).code ?? error}`, error)
    }
  }
  const env = buildEnv(spec, cookie)
  if (cgroup !== undefined) {
    // The shell would report a missing command as exit 127: find it first, as a direct spawn would.
    const missing = commandError(command, env.PATH, spec.cwd ?? process.cwd())
    if (missing !== undefined) return fail(missing.code ?? missing.message, missing)
  }
  let child: ChildProcess
  try {
    const options = {
      cwd: spec.cwd,
      env,
      detached: true,
      uid: spec.user?.uid,
      gid: spec.user?.gid,
    }
    child =
      cgroup === undefined
        ? spawn(command, spec.args, { ...options, stdio })
        : spawn(EXEC_WRAPPER_SHELL, wrapperArgs(command, spec.args), {
            ...options,
            stdio: [...stdio, 'pipe'],
          })
  } catch (error) {
    return fail((error as Error).message, error)
  }
  // A later 'error' (e.g. a failed kill) must never become an uncaught exception.
  child.on('error', () => {})
  const pid = child.pid
  const startTicks = pid === undefined ? null : (readStat(pid)?.startTicks ?? null)
  return new Promise<Spawned>((resolve) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      child.off('spawn', onSpawn)
      resolve({
        ok: false,
        error: new SpawnError({ id: spec.id, command, reason: error.code ?? error.message, cause: error }),
      })
    }
    const onSpawn = (): void => {
      child.off('error', onError)
      if (cgroup !== undefined) {
        const gate = child.stdio[3] as Writable
        try {
          cgroup.place(pid!)
        } catch (error) {
          // Not in its cgroup: it must never run the command. It is waiting on fd 3, unexecuted.
          child.kill('SIGKILL')
          gate.destroy()
          const reason = (error as Error).message
          resolve({ ok: false, error: new SpawnError({ id: spec.id, command, reason, cause: error }) })
          return
        }
        gate.on('error', () => {})
        gate.end('go\n', () => gate.destroy())
      }
      resolve({ ok: true, child, pid: pid!, startTicks })
    }
    child.once('error', onError)
    child.once('spawn', onSpawn)
  })
}
